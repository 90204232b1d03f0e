export { waitFor, WaitTimeoutError } from './wait-for.js';
export type { WaitForOptions } from './wait-for.js';
export { joinedEmojiSequences, unicodeEmoji } from './unicode-emoji.js';
