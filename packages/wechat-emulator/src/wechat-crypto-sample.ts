/**
 * Tencent's published message-encryption sample (WXBizMsgCrypt; the same values in its Python, Java and C++
 * samples): an EncodingAESKey, a token, a request's timestamp and nonce, and the Encrypt value and msg_signature
 * WeChat would send, which decrypt to an XML text message for the AppID. Both sides of the message push — the
 * emulator that signs and crm-api that checks — are tested against it.
 */
export const WECHAT_CRYPTO_SAMPLE: Readonly<Record<'encodingAesKey' | 'token' | 'timestamp' | 'nonce' | 'appId' | 'msgSignature' | 'encrypt', string>> = Object.freeze({
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  token: 'spamtest',
  timestamp: '1409735669',
  nonce: '1320562132',
  appId: 'wx2c2769f8efd9abc2',
  msgSignature: '5d197aaffba7e9b25a30732f161a50dee96bd5fa',
  encrypt:
    'hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=',
});
