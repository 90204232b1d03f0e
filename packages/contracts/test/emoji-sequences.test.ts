import { joinedEmojiSequences, unicodeEmoji } from '@leadnotify/test-support';
import { describe, expect, it } from 'vitest';
import { EMOJI_JOINED_SEQUENCES, emojiAwareCharacters } from '../src/emoji-sequences.js';

const wholeMatch = (text: string) => [...text.matchAll(EMOJI_JOINED_SEQUENCES)].map((match) => match[0]);

describe('emoji written with joiners or tags', () => {
  const sequences = joinedEmojiSequences();

  it('the list under test is Unicode\'s: over a thousand ZWJ sequences with their skin tones, and the tag flags', () => {
    expect(sequences.length).toBeGreaterThan(1000);
    expect(sequences).toEqual(expect.arrayContaining(['👨‍👩‍👧‍👦', '👩‍💻', '🏳️‍🌈', '🧑🏽‍🦰', '🏴󠁧󠁢󠁳󠁣󠁴󠁿']));
  });

  it('finds every one of them as one whole sequence, also between other text', () => {
    const missed = sequences.filter((sequence) => JSON.stringify(wholeMatch(`客户${sequence}王`)) !== JSON.stringify([sequence]));
    expect(missed).toEqual([]);
  });

  it('finds no sequence in an emoji that has no joiner, nor around a joiner that joins no two pictographs', () => {
    const plain = unicodeEmoji().filter((emoji) => !sequences.includes(emoji));
    expect(plain.filter((emoji) => wholeMatch(emoji).length > 0)).toEqual([]);
    for (const text of ['张\u200d三', 'A\u200dB', '👩\u200d', '\u200d👩', '👩\u200d\u200d💻', '👩\u200da', '\u{e0067}\u{e0062}\u{e007f}', '🏴\u{e007f}']) {
      expect(wholeMatch(text), JSON.stringify(text)).toEqual([]);
    }
  });

  it('counts a sequence, or an emoji with its skin tone or presentation selector, as one character', () => {
    expect(emojiAwareCharacters('a👨‍👩‍👧‍👦b🏴󠁧󠁢󠁳󠁣󠁴󠁿👍🏽❤️张')).toEqual(['a', '👨‍👩‍👧‍👦', 'b', '🏴󠁧󠁢󠁳󠁣󠁴󠁿', '👍🏽', '❤️', '张']);
    expect(sequences.filter((sequence) => emojiAwareCharacters(sequence).length !== 1)).toEqual([]);
    expect(emojiAwareCharacters('张\u200d三')).toEqual(['张', '\u200d', '三']);
  });

  it('counts every emoji of Unicode\'s list as one character: flags (two regional indicators) and keycaps too', () => {
    expect(unicodeEmoji().filter((emoji) => emojiAwareCharacters(emoji).length !== 1)).toEqual([]);
    expect(emojiAwareCharacters('中🇨🇳1️⃣#️⃣🇨')).toEqual(['中', '🇨🇳', '1️⃣', '#️⃣', '🇨']);
  });
});
