/**
 * Whether wx.makePhoneCall can dial what the page shows: digits with the separators people write (+, -, spaces,
 * parentheses), at least three digits. A masked number (138****0000) or a note ("找前台") cannot be dialled.
 */
export function isCallable(phone: string): boolean {
  return /^\+?[0-9][0-9 ()-]*$/.test(phone.trim()) && phone.replace(/[^0-9]/g, '').length >= 3;
}
