/**
 * What a host mini program calls from its own pages (dist/kit/leadnotify/index.js, CommonJS):
 *   const leadnotify = require('../../leadnotify/index.js');
 *   request: leadnotify.createWxRequest('https://crm.example.com')      // the kit's request function over wx.request
 *   onShow() { leadnotify.prepareTopUp('quickstartFunctions'); }        // the templates and the "always" setting
 *   onTapAnything() { leadnotify.topUpSubscriptions(); … }             // inside a tap, before any await
 * For a salesperson who kept the lead templates "总是保持以上选择", each such tap adds a reminder without a dialog.
 */
export { prepareTopUp, topUpSubscriptions } from '../../wx/top-up.js';
export { createWxRequest } from '../../wx/create-wx-request.js';
