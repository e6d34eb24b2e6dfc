// The tiny model's tokenizer: GPT-2's byte-level BPE cut down to its 256 byte tokens (so every string encodes),
// a handful of merges (so the BPE path is exercised) and `<|endoftext|>`.

/** The end-of-text token, GPT-2's only special token; also used for padding. */
export const END_OF_TEXT = '<|endoftext|>';

/** Merges applied in this order (rank = index); `Ġ` is GPT-2's byte-level spelling of a space. */
const MERGES: readonly (readonly [string, string])[] = [
  ['Ġ', 't'],
  ['h', 'e'],
  ['Ġ', 'a'],
  ['i', 'n'],
  ['r', 'e'],
  ['o', 'n'],
  ['Ġt', 'he'],
  ['e', 'r'],
  ['Ġ', 's'],
  ['a', 't'],
];

/** Token ids of the tiny vocabulary: bytes, then merges, then `<|endoftext|>` last as in GPT-2. */
export interface TinyVocabulary {
  /** Token string (byte-level alphabet) to id. */
  vocab: Record<string, number>;
  /** The merges as pairs, in rank order. */
  merges: readonly (readonly [string, string])[];
  /** Id of `<|endoftext|>`. */
  endOfTextId: number;
  /** Number of ids, the model's `vocab_size`. */
  size: number;
  /** Ids of the merged (multi-byte) tokens. */
  mergedIds: readonly number[];
}

/**
 * GPT-2's reversible byte-to-character table: printable Latin-1 bytes stand for themselves and the others are
 * shifted to U+0100 and up, so a byte string becomes a string without spaces or control characters.
 */
export function bytesToUnicode(): string[] {
  const table: string[] = new Array(256);
  const direct = (b: number): boolean =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = String.fromCharCode(direct(b) ? b : 256 + shifted++);
  }
  return table;
}

/** The vocabulary: id `b` is byte `b` for b < 256, merged tokens follow, `<|endoftext|>` is the last id. */
export function tinyVocabulary(): TinyVocabulary {
  const vocab: Record<string, number> = {};
  bytesToUnicode().forEach((ch, b) => {
    vocab[ch] = b;
  });
  const mergedIds: number[] = [];
  let next = 256;
  for (const [a, b] of MERGES) {
    if (vocab[a] === undefined || vocab[b] === undefined) throw new Error(`merge ${a} ${b} uses an unknown token`);
    mergedIds.push(next);
    vocab[a + b] = next++;
  }
  const endOfTextId = next++;
  vocab[END_OF_TEXT] = endOfTextId;
  return { vocab, merges: MERGES, endOfTextId, size: next, mergedIds };
}

/** `tokenizer.json` in the Hugging Face tokenizers format (model BPE, byte-level pre-tokenizer and decoder). */
export function tokenizerJson(v: TinyVocabulary): object {
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      {
        id: v.endOfTextId,
        content: END_OF_TEXT,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      },
    ],
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: { ...byteLevel, trim_offsets: false },
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: v.vocab,
      merges: v.merges.map(([a, b]) => [a, b]),
    },
  };
}

/** `tokenizer_config.json`; transformers.js needs it to exist and reads the special tokens from it. */
export function tokenizerConfigJson(nPositions: number): object {
  return {
    tokenizer_class: 'GPT2Tokenizer',
    add_bos_token: false,
    add_prefix_space: false,
    bos_token: END_OF_TEXT,
    eos_token: END_OF_TEXT,
    unk_token: END_OF_TEXT,
    // GPT-2 has no pad token; padding with end-of-text is the usual choice and the mask hides it anyway.
    pad_token: END_OF_TEXT,
    // Decoder-only models pad on the left so every row's last position is a real token.
    padding_side: 'left',
    model_max_length: nPositions,
    // The default cleanup drops spaces before punctuation, which would break "one token, one character".
    clean_up_tokenization_spaces: false,
  };
}
