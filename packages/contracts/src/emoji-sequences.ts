/**
 * Emoji that are written with invisible format characters, which a name must otherwise not hold: a ZWJ sequence
 * joins pictographs with U+200D (👨‍👩‍👧‍👦 family, 👩‍💻 technologist, 🏳️‍🌈 rainbow flag), and a tag sequence
 * spells a subdivision flag with tag characters U+E0020–E007F after 🏴 (🏴󠁧󠁢󠁳󠁣󠁴󠁿 Scotland). WeChat nicknames carry
 * them, and users paste those into a CRM. The CRM accepts the format characters only inside such a sequence (a
 * joiner alone can make two names look alike), and the cloud function keeps a sequence whole when it fits text
 * to a keyword. Unicode Technical Standard #51, ED-14a and ED-16: https://www.unicode.org/reports/tr51/#Definitions
 */
const ELEMENT = String.raw`\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier})?`;
const ZWJ_SEQUENCE = String.raw`${ELEMENT}(?:\u200D${ELEMENT})+`;
const TAG_SEQUENCE = String.raw`\u{1F3F4}[\u{E0020}-\u{E007E}]+\u{E007F}`;

/** A flag is two regional indicators (🇨🇳); a keycap a digit, # or * with U+20E3 (1️⃣). */
const FLAG = String.raw`\p{Regional_Indicator}{2}`;
const KEYCAP = String.raw`[0-9#*]\uFE0F?\u20E3`;

/** Every emoji ZWJ or tag sequence in a text (global: use with replace, split or matchAll). */
export const EMOJI_JOINED_SEQUENCES = new RegExp(`${ZWJ_SEQUENCE}|${TAG_SEQUENCE}`, 'gu');

/**
 * A text's characters as a reader counts them when cutting it short: a joined sequence is one, a flag or a keycap is
 * one, an emoji with its presentation selector or skin tone is one, anything else one code point. Cutting between
 * these never turns one emoji into another (👨‍👩‍👧‍👦 into 👨‍👩), leaves half a flag, or leaves a joiner dangling.
 */
export function emojiAwareCharacters(text: string): string[] {
  return text.match(new RegExp(`${ZWJ_SEQUENCE}|${TAG_SEQUENCE}|${FLAG}|${KEYCAP}|${ELEMENT}|[^]`, 'gu')) ?? [];
}
