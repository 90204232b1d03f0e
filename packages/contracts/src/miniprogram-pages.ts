/**
 * The pages of the mini program built from packages/miniprogram-kit (its app.json lists exactly these; a kit
 * test checks it). WeChat only opens pages the mini program has: a subscribe message or a mini-program code
 * (check_path) naming another page is refused with 41030 (sendMessage, getUnlimitedQRCode). So the paths our
 * code sends default to these, and the local WeChat emulator knows these pages and no others.
 */
export const MINIPROGRAM_PAGES = Object.freeze({
  /** The demo app's first page: what a mini-program code without a page opens. */
  home: 'pages/index/index',
  /** Where a binding code leads (crm-api WECHAT_BIND_PAGE). */
  bind: 'pages/bind/index',
  /** Where a message about one customer leads (the function's CUSTOMER_PAGE). */
  customerDetail: 'pages/customer/detail',
  /** Where a message listing several customers leads (the function's CUSTOMER_LIST_PAGE). */
  customerList: 'pages/customer/list',
  /** Where the console's sign-in code leads: the salesperson confirms signing in on a computer. */
  consoleSignIn: 'pages/console-sign-in/index',
});
