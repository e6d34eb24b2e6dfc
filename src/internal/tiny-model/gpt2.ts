// The tiny GPT-2 as an ONNX graph with seeded random weights, laid out the way transformers.js 4.3 runs a
// decoder-only model: it feeds input_ids, attention_mask (past + current), position_ids and one past key/value
// pair per layer, and reads back logits and the present key/values as the next step's past.

import {
  encodeOnnxModel,
  floatTensor,
  int64Tensor,
  type OnnxAttribute,
  OnnxDataType,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
} from './onnx-writer.js';
import { type SeededRandom, seededRandom } from './random.js';
import type { TinyVocabulary } from './tokenizer.js';

/** Hyper-parameters of the tiny GPT-2, in the names of Hugging Face's `GPT2Config`. */
export interface TinyGpt2Config {
  /** Transformer blocks. */
  nLayer: number;
  /** Attention heads per block. */
  nHead: number;
  /** Width of the residual stream. */
  nEmbd: number;
  /** Learned positions; later positions reuse the last one so long generations do not fail. */
  nPositions: number;
  /** Seed of the weight generator. */
  seed: number;
}

/** The shape the recipe proved with transformers.js 4.3: 2 layers, 2 heads, width 32, 128 positions. */
export const DEFAULT_TINY_GPT2: Readonly<TinyGpt2Config> = Object.freeze({
  nLayer: 2,
  nHead: 2,
  nEmbd: 32,
  nPositions: 128,
  seed: 20_250_611,
});

/** The ONNX opset and IR version the graph declares (LayerNormalization needs opset 17). */
export const ONNX_OPSET = 17;
/** IR version 8 is what opset 17 shipped with; onnxruntime-node 1.x accepts it. */
export const ONNX_IR_VERSION = 8;

const LAYER_NORM_EPSILON = 1e-5;
// Large enough that exp() underflows to exactly 0 after the softmax subtracts the row maximum.
const MASKED_SCORE = -1e9;
// Standard deviations of the random weights, chosen by trying: with GPT-2's 0.02 every logit is nearly equal, and
// a token embedding that dominates the residual stream makes greedy decoding echo its last token forever. Small
// token embeddings, wider positions and projections give text that wanders and depends on the prompt.
const TOKEN_EMBEDDING_STD = 0.1;
const POSITION_EMBEDDING_STD = 0.5;
const PROJECTION_STD = 0.5;
const BIAS_STD = 0.02;

/** Output of {@link buildTinyGpt2Onnx}: the model file and what the logit bias guarantees. */
export interface TinyGpt2Onnx {
  /** Bytes of `onnx/model.onnx`. */
  bytes: Uint8Array;
  /** Token ids greedy decoding can produce: the printable ASCII bytes 0x20-0x7e. */
  favouredIds: readonly number[];
  /** Subtracted from every other token's logit (twice for end-of-text); larger than any logit spread. */
  logitPenalty: number;
}

type AttrValue = number | readonly number[] | { float: number } | OnnxTensor;

/** Collects nodes and initializers with generated, unique names. */
class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  /** Values of the random float initializers, by name, for checks made while building. */
  readonly randomValues = new Map<string, Float32Array>();
  private counter = 0;

  constructor(private readonly rng: SeededRandom) {}

  /** Adds a node; returns its output names (one unless `outputs` names them). */
  op(opType: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, outputs?: string[]): string[] {
    const id = this.counter++;
    const outs = outputs ?? [`${opType.toLowerCase()}_${id}`];
    const attributes: OnnxAttribute[] = Object.entries(attrs).map(([name, v]) => {
      if (typeof v === 'number') return { name, kind: 'int', value: v };
      if (Array.isArray(v)) return { name, kind: 'ints', value: v as readonly number[] };
      if ('float' in v) return { name, kind: 'float', value: v.float };
      return { name, kind: 'tensor', value: v as OnnxTensor };
    });
    this.nodes.push({ opType, name: `${opType}_${id}`, inputs, outputs: outs, attributes });
    return outs;
  }

  /** Same as {@link op} for the usual single output. */
  op1(opType: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, output?: string): string {
    return this.op(opType, inputs, attrs, output === undefined ? undefined : [output])[0]!;
  }

  /** Adds an initializer and returns its name. */
  add(tensor: OnnxTensor): string {
    this.initializers.push(tensor);
    return tensor.name;
  }

  /** A float initializer drawn from N(0, std²). */
  normal(name: string, dims: number[], std: number): string {
    const values = new Float32Array(dims.reduce((a, b) => a * b, 1));
    for (let i = 0; i < values.length; i++) values[i] = this.rng.normal() * std;
    this.randomValues.set(name, values);
    return this.add(floatTensor(name, dims, values));
  }

  /** A float initializer with every element equal to `value`. */
  filled(name: string, dims: number[], value: number): string {
    return this.add(floatTensor(name, dims, new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(value)));
  }

  /** A float scalar initializer. */
  scalar(name: string, value: number): string {
    return this.add(floatTensor(name, [], [value]));
  }

  /** An int64 initializer (a scalar when `dims` is empty). */
  ints(name: string, dims: number[], values: number[]): string {
    return this.add(int64Tensor(name, dims, values));
  }
}

/** Builds the ONNX model: embeddings, `nLayer` pre-LN blocks, final LayerNorm, tied LM head plus a logit bias. */
export function buildTinyGpt2Onnx(config: TinyGpt2Config, vocabulary: TinyVocabulary): TinyGpt2Onnx {
  const { nLayer, nHead, nEmbd: d, nPositions } = config;
  if (d % nHead !== 0) throw new Error(`n_embd ${d} is not divisible by n_head ${nHead}`);
  const headDim = d / nHead;
  const vocabSize = vocabulary.size;
  const g = new GraphBuilder(seededRandom(config.seed));

  // Weights are drawn in a fixed order so the same seed always yields the same bytes.
  const wte = g.normal('transformer.wte.weight', [vocabSize, d], TOKEN_EMBEDDING_STD);
  const wpe = g.normal('transformer.wpe.weight', [nPositions, d], POSITION_EMBEDDING_STD);
  const layers = Array.from({ length: nLayer }, (_, i) => ({
    ln1: [g.filled(`h.${i}.ln_1.weight`, [d], 1), g.filled(`h.${i}.ln_1.bias`, [d], 0)] as const,
    qkvW: g.normal(`h.${i}.attn.c_attn.weight`, [d, 3 * d], PROJECTION_STD),
    qkvB: g.normal(`h.${i}.attn.c_attn.bias`, [3 * d], BIAS_STD),
    projW: g.normal(`h.${i}.attn.c_proj.weight`, [d, d], PROJECTION_STD),
    projB: g.normal(`h.${i}.attn.c_proj.bias`, [d], BIAS_STD),
    ln2: [g.filled(`h.${i}.ln_2.weight`, [d], 1), g.filled(`h.${i}.ln_2.bias`, [d], 0)] as const,
    fcW: g.normal(`h.${i}.mlp.c_fc.weight`, [d, 4 * d], PROJECTION_STD),
    fcB: g.normal(`h.${i}.mlp.c_fc.bias`, [4 * d], BIAS_STD),
    outW: g.normal(`h.${i}.mlp.c_proj.weight`, [4 * d, d], PROJECTION_STD / Math.SQRT2),
    outB: g.normal(`h.${i}.mlp.c_proj.bias`, [d], BIAS_STD),
  }));
  const lnf = [g.filled('transformer.ln_f.weight', [d], 1), g.filled('transformer.ln_f.bias', [d], 0)] as const;

  // The final LayerNorm has unit gain and zero shift, so its output has norm below sqrt(n_embd) and every raw
  // logit lies within ±sqrt(n_embd)·max‖wte row‖ (Cauchy-Schwarz). A penalty above twice that bound means a
  // favoured token always beats every other, whatever the input: greedy runs never stop early on end-of-text
  // and never emit a merged (multi-character) token, so new tokens = new characters.
  const favouredIds = Array.from({ length: 0x7f - 0x20 }, (_, i) => 0x20 + i);
  const wteValues = g.randomValues.get(wte)!;
  let maxRowNorm = 0;
  for (let row = 0; row < vocabSize; row++) {
    let sq = 0;
    for (let col = 0; col < d; col++) sq += wteValues[row * d + col]! ** 2;
    maxRowNorm = Math.max(maxRowNorm, Math.sqrt(sq));
  }
  const logitPenalty = Math.ceil(2 * Math.sqrt(d) * maxRowNorm) + 8;
  const favoured = new Set(favouredIds);
  const logitBias = new Float32Array(vocabSize);
  for (let id = 0; id < vocabSize; id++) {
    if (id === vocabulary.endOfTextId) logitBias[id] = -2 * logitPenalty;
    else if (!favoured.has(id)) logitBias[id] = -logitPenalty;
  }
  const lmBias = g.add(floatTensor('lm_head.logit_bias', [vocabSize], logitBias));

  // Small constants.
  const idx1 = g.ints('const.index_1', [], [1]);
  const zero = g.ints('const.zero', [], [0]);
  const one = g.ints('const.one', [], [1]);
  const lastPosition = g.ints('const.last_position', [], [nPositions - 1]);
  const axes0 = g.ints('const.axes_0', [1], [0]);
  const axes1 = g.ints('const.axes_1', [1], [1]);
  const axes12 = g.ints('const.axes_1_2', [2], [1, 2]);
  const headsShape = g.ints('const.shape_heads', [4], [0, 0, nHead, headDim]);
  const mergedShape = g.ints('const.shape_merged', [3], [0, 0, d]);
  const qkvSplit = g.ints('const.split_qkv', [3], [d, d, d]);
  const scoreScale = g.scalar('const.score_scale', 1 / Math.sqrt(headDim));
  const zeroF = g.scalar('const.zero_f', 0);
  const maskedF = g.scalar('const.masked_score', MASKED_SCORE);
  const half = g.scalar('const.half', 0.5);
  const oneF = g.scalar('const.one_f', 1);
  const invSqrt2 = g.scalar('const.inv_sqrt2', Math.SQRT1_2);

  // Attention bias [batch, 1, seq, total]: query i (absolute position past + i) sees key j only when j <= past + i
  // (causal) and attention_mask[b, j] is 1 (padding). Built once, shared by every layer.
  const seqLen = g.op1('Gather', [g.op1('Shape', ['input_ids']), idx1], { axis: 0 });
  const totalLen = g.op1('Gather', [g.op1('Shape', ['attention_mask']), idx1], { axis: 0 });
  const pastLen = g.op1('Sub', [totalLen, seqLen]);
  const queryPos = g.op1('Unsqueeze', [g.op1('Range', [pastLen, totalLen, one]), axes1]);
  const keyPos = g.op1('Unsqueeze', [g.op1('Range', [zero, totalLen, one]), axes0]);
  const causal = g.op1('LessOrEqual', [keyPos, queryPos]);
  const notPadding = g.op1('Unsqueeze', [g.op1('Cast', ['attention_mask'], { to: OnnxDataType.BOOL }), axes12]);
  const visible = g.op1('And', [causal, notPadding]);
  const attnBias = g.op1('Where', [visible, zeroF, maskedF]);

  // Embeddings. transformers.js numbers positions from the mask (left padding still starts at 0); clamping keeps
  // a generation past n_positions from failing with an out-of-range Gather.
  const positions = g.op1('Min', ['position_ids', lastPosition]);
  let hidden = g.op1('Add', [
    g.op1('Gather', [wte, 'input_ids'], { axis: 0 }),
    g.op1('Gather', [wpe, positions], { axis: 0 }),
  ]);

  const toHeads = (x: string): string =>
    g.op1('Transpose', [g.op1('Reshape', [x, headsShape])], { perm: [0, 2, 1, 3] });
  const layerNorm = (x: string, [scale, bias]: readonly [string, string]): string =>
    g.op1('LayerNormalization', [x, scale, bias], { axis: -1, epsilon: { float: LAYER_NORM_EPSILON } });
  const linear = (x: string, w: string, b: string): string => g.op1('Add', [g.op1('MatMul', [x, w]), b]);

  layers.forEach((layer, i) => {
    const x = layerNorm(hidden, layer.ln1);
    const [q, k, v] = g.op('Split', [linear(x, layer.qkvW, layer.qkvB), qkvSplit], { axis: 2 }, [
      `h.${i}.q`,
      `h.${i}.k`,
      `h.${i}.v`,
    ]) as [string, string, string];
    const presentKey = g.op1('Concat', [`past_key_values.${i}.key`, toHeads(k)], { axis: 2 }, `present.${i}.key`);
    const presentValue = g.op1('Concat', [`past_key_values.${i}.value`, toHeads(v)], { axis: 2 }, `present.${i}.value`);
    const scores = g.op1('Add', [
      g.op1('Mul', [
        g.op1('MatMul', [toHeads(q), g.op1('Transpose', [presentKey], { perm: [0, 1, 3, 2] })]),
        scoreScale,
      ]),
      attnBias,
    ]);
    const context = g.op1('MatMul', [g.op1('Softmax', [scores], { axis: -1 }), presentValue]);
    const merged = g.op1('Reshape', [g.op1('Transpose', [context], { perm: [0, 2, 1, 3] }), mergedShape]);
    hidden = g.op1('Add', [hidden, linear(merged, layer.projW, layer.projB)]);

    // Exact GELU, 0.5·x·(1 + erf(x/√2)); the Gelu operator only arrives in opset 20.
    const pre = linear(layerNorm(hidden, layer.ln2), layer.fcW, layer.fcB);
    const erf = g.op1('Erf', [g.op1('Mul', [pre, invSqrt2])]);
    const gelu = g.op1('Mul', [g.op1('Mul', [pre, half]), g.op1('Add', [erf, oneF])]);
    hidden = g.op1('Add', [hidden, linear(gelu, layer.outW, layer.outB)]);
  });

  // LM head tied to the token embedding: one initializer, transposed in the graph.
  const wteT = g.op1('Transpose', [wte], { perm: [1, 0] });
  g.op1('Add', [g.op1('MatMul', [layerNorm(hidden, lnf), wteT]), lmBias], {}, 'logits');

  const f32 = OnnxDataType.FLOAT;
  const i64 = OnnxDataType.INT64;
  const cacheIn = (name: string): OnnxValueInfo => ({
    name,
    elemType: f32,
    shape: ['batch_size', nHead, 'past_sequence_length', headDim],
  });
  const cacheOut = (name: string): OnnxValueInfo => ({
    name,
    elemType: f32,
    shape: ['batch_size', nHead, 'total_sequence_length', headDim],
  });
  const inputs: OnnxValueInfo[] = [
    { name: 'input_ids', elemType: i64, shape: ['batch_size', 'sequence_length'] },
    { name: 'attention_mask', elemType: i64, shape: ['batch_size', 'total_sequence_length'] },
    { name: 'position_ids', elemType: i64, shape: ['batch_size', 'sequence_length'] },
  ];
  const outputs: OnnxValueInfo[] = [
    { name: 'logits', elemType: f32, shape: ['batch_size', 'sequence_length', vocabSize] },
  ];
  for (let i = 0; i < nLayer; i++) {
    inputs.push(cacheIn(`past_key_values.${i}.key`), cacheIn(`past_key_values.${i}.value`));
    outputs.push(cacheOut(`present.${i}.key`), cacheOut(`present.${i}.value`));
  }

  const bytes = encodeOnnxModel({
    irVersion: ONNX_IR_VERSION,
    opsetVersion: ONNX_OPSET,
    producerName: 'mlflow-genai',
    producerVersion: 'tiny-gpt2',
    docString: 'A tiny GPT-2 with seeded random weights, for offline tests. Its text is meaningless.',
    graph: { name: 'tiny_gpt2', nodes: g.nodes, initializers: g.initializers, inputs, outputs },
  });
  return { bytes, favouredIds, logitPenalty };
}

/** `config.json` as Hugging Face's GPT2Config writes it (transformers.js reads model_type and the n_* names). */
export function gpt2ConfigJson(config: TinyGpt2Config, vocabulary: TinyVocabulary): object {
  return {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    vocab_size: vocabulary.size,
    n_positions: config.nPositions,
    n_ctx: config.nPositions,
    n_embd: config.nEmbd,
    n_layer: config.nLayer,
    n_head: config.nHead,
    n_inner: 4 * config.nEmbd,
    activation_function: 'gelu',
    layer_norm_epsilon: LAYER_NORM_EPSILON,
    bos_token_id: vocabulary.endOfTextId,
    eos_token_id: vocabulary.endOfTextId,
    pad_token_id: vocabulary.endOfTextId,
    tie_word_embeddings: true,
    use_cache: true,
  };
}

/** `generation_config.json`: greedy by default. */
export function generationConfigJson(vocabulary: TinyVocabulary): object {
  return {
    bos_token_id: vocabulary.endOfTextId,
    eos_token_id: vocabulary.endOfTextId,
    pad_token_id: vocabulary.endOfTextId,
    do_sample: false,
  };
}
