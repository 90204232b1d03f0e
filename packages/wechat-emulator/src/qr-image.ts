import jsqr from 'jsqr';
import { PNG } from 'pngjs';
import qrcodeTerminal from 'qrcode-terminal';

// jsqr is CommonJS with `exports.default`: under NodeNext the default import is the module object.
const jsQR = jsqr.default;

/** What a phone's camera reads off a PNG code (getwxacodeunlimit's answer); undefined when it finds none. */
export function readQrCode(png: Buffer): string | undefined {
  const image = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data;
}

/** A QR code of `text` drawn with half-block characters, small enough for a terminal, to scan off the screen. */
export function terminalQrCode(text: string): Promise<string> {
  return new Promise((resolve) => qrcodeTerminal.generate(text, { small: true }, resolve));
}
