/** Keyword types of subscribe-message templates (subscribeMessage.send, keyword value rules table). */
export const KEYWORD_TYPES = [
  'thing',
  'number',
  'letter',
  'symbol',
  'character_string',
  'time',
  'date',
  'amount',
  'phone_number',
  'car_number',
  'name',
  'phrase',
] as const;

export type KeywordType = (typeof KEYWORD_TYPES)[number];

/** A template keyword is its type followed by a number: thing1, time2, character_string3. */
export function keywordTypeOf(keyword: string): KeywordType | undefined {
  const match = /^([a-z_]+?)(\d+)$/.exec(keyword);
  const type = match?.[1];
  return (KEYWORD_TYPES as readonly string[]).includes(type ?? '') ? (type as KeywordType) : undefined;
}
