/**
 * What a host mini program calls from its own pages (dist/kit/leadnotify/index.js, CommonJS):
 *   const leadnotify = require('../../leadnotify/index.js');
 *   onShow() { leadnotify.prepareTopUp('quickstartFunctions'); }        // the templates and the "always" setting
 *   onTapAnything() { leadnotify.topUpSubscriptions(); … }             // inside a tap, before any await
 * For a salesperson who kept the lead templates "总是保持以上选择", each such tap adds a reminder without a dialog.
 */
export { prepareTopUp, topUpSubscriptions } from '../../wx/top-up.js';
