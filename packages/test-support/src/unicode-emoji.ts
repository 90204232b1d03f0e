import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

interface CompactEmoji {
  unicode: string;
  skins?: Array<{ unicode: string }>;
}

/**
 * Every fully-qualified emoji of the current Unicode emoji list, skin-tone variants included, from emojibase-data
 * (built from unicode.org's emoji-test.txt). Tests take the real list, not a few favourites.
 */
export function unicodeEmoji(): string[] {
  const file = createRequire(import.meta.url).resolve('emojibase-data/en/compact.json');
  const list = JSON.parse(readFileSync(file, 'utf8')) as CompactEmoji[];
  return list.flatMap((emoji) => [emoji.unicode, ...(emoji.skins ?? []).map((skin) => skin.unicode)]);
}

/** The emoji written with a zero-width joiner (ZWJ sequences: 👨‍👩‍👧‍👦, 👩‍💻, 🏳️‍🌈) or with tag characters (🏴󠁧󠁢󠁳󠁣󠁴󠁿). */
export function joinedEmojiSequences(): string[] {
  return unicodeEmoji().filter((emoji) => /[\u200d\u{e0020}-\u{e007f}]/u.test(emoji));
}
