// Generates, at test time, a tiny BERT-shaped ONNX sentence encoder plus a
// WordPiece tokenizer in the transformers.js folder layout:
//   <dir>/<modelId>/config.json, tokenizer.json, tokenizer_config.json,
//   <dir>/<modelId>/onnx/model_quantized.onnx (the file the library loads by default)
// No pretrained weights can reach this machine, so the transformers.js path is
// tested with this: real file loading, real onnxruntime inference, no network.
//
// Graph (opset 13): word + token-type embedding lookups (Gather), a dense layer
// (MatMul + Add + Tanh) with a residual connection, then padding positions are
// zeroed with the attention mask:
//   last_hidden_state[b, s, :] = (E[input_ids] + T[token_type_ids] + tanh((...) W + c)) * mask
// The ONNX protobuf is written with protobufjs reflection; the message and field
// numbers below follow the public onnx.proto.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';

const f = (id: number, type: string, rule?: 'repeated') => ({ id, type, ...(rule ? { rule } : {}) });

const onnxSchema = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: f(1, 'int64'), producerName: f(2, 'string'), producerVersion: f(3, 'string'),
            graph: f(7, 'GraphProto'), opsetImport: f(8, 'OperatorSetIdProto', 'repeated'),
          },
        },
        OperatorSetIdProto: { fields: { domain: f(1, 'string'), version: f(2, 'int64') } },
        GraphProto: {
          fields: {
            node: f(1, 'NodeProto', 'repeated'), name: f(2, 'string'), initializer: f(5, 'TensorProto', 'repeated'),
            input: f(11, 'ValueInfoProto', 'repeated'), output: f(12, 'ValueInfoProto', 'repeated'),
          },
        },
        NodeProto: {
          fields: {
            input: f(1, 'string', 'repeated'), output: f(2, 'string', 'repeated'), name: f(3, 'string'),
            opType: f(4, 'string'), attribute: f(5, 'AttributeProto', 'repeated'),
          },
        },
        AttributeProto: { fields: { name: f(1, 'string'), i: f(3, 'int64'), type: f(20, 'int32') } },
        TensorProto: {
          fields: { dims: f(1, 'int64', 'repeated'), dataType: f(2, 'int32'), name: f(8, 'string'), rawData: f(9, 'bytes') },
        },
        ValueInfoProto: { fields: { name: f(1, 'string'), type: f(2, 'TypeProto') } },
        TypeProto: { fields: { tensorType: f(1, 'TypeProtoTensor') } },
        TypeProtoTensor: { fields: { elemType: f(1, 'int32'), shape: f(2, 'TensorShapeProto') } },
        TensorShapeProto: { fields: { dim: f(1, 'Dimension', 'repeated') } },
        Dimension: { fields: { dimValue: f(1, 'int64'), dimParam: f(2, 'string') } },
      },
    },
  },
};

const FLOAT = 1;
const INT64 = 7;
const ATTRIBUTE_INT = 2;

/** Deterministic pseudo-random numbers (mulberry32), so the same seed gives the same model. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function floatTensor(name: string, dims: number[], values: Float32Array) {
  return { name, dims, dataType: FLOAT, rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) };
}

function int64Tensor(name: string, dims: number[], values: number[]) {
  const data = BigInt64Array.from(values.map((v) => BigInt(v)));
  return { name, dims, dataType: INT64, rawData: new Uint8Array(data.buffer) };
}

function valueInfo(name: string, elemType: number, dims: (number | string)[]) {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function node(opType: string, input: string[], output: string[], attribute: object[] = []) {
  return { opType, input, output, name: `${opType}_${output[0]}`, attribute };
}

/** Serialised ONNX model bytes for the tiny encoder. */
export function buildTinyEncoderOnnx(vocabSize: number, hidden: number, seed: number): Uint8Array {
  const rand = random(seed);
  const uniform = (n: number, scale: number) => Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale);
  const graph = {
    name: 'tiny_bert',
    input: [
      valueInfo('input_ids', INT64, ['batch', 'sequence']),
      valueInfo('attention_mask', INT64, ['batch', 'sequence']),
      valueInfo('token_type_ids', INT64, ['batch', 'sequence']),
    ],
    output: [valueInfo('last_hidden_state', FLOAT, ['batch', 'sequence', hidden])],
    initializer: [
      floatTensor('word_embeddings', [vocabSize, hidden], uniform(vocabSize * hidden, 1)),
      floatTensor('token_type_embeddings', [2, hidden], uniform(2 * hidden, 0.1)),
      floatTensor('dense_weight', [hidden, hidden], uniform(hidden * hidden, 1 / Math.sqrt(hidden))),
      floatTensor('dense_bias', [hidden], uniform(hidden, 0.1)),
      int64Tensor('unsqueeze_axes', [1], [2]),
    ],
    node: [
      node('Gather', ['word_embeddings', 'input_ids'], ['words']),
      node('Gather', ['token_type_embeddings', 'token_type_ids'], ['types']),
      node('Add', ['words', 'types'], ['embedded']),
      node('MatMul', ['embedded', 'dense_weight'], ['projected']),
      node('Add', ['projected', 'dense_bias'], ['biased']),
      node('Tanh', ['biased'], ['activated']),
      node('Add', ['embedded', 'activated'], ['hidden']),
      node('Cast', ['attention_mask'], ['mask_float'], [{ name: 'to', type: ATTRIBUTE_INT, i: FLOAT }]),
      node('Unsqueeze', ['mask_float', 'unsqueeze_axes'], ['mask_3d']),
      node('Mul', ['hidden', 'mask_3d'], ['last_hidden_state']),
    ],
  };
  const root = protobuf.Root.fromJSON(onnxSchema);
  const ModelProto = root.lookupType('onnx.ModelProto');
  const model = { irVersion: 8, producerName: 'shopdesk-tests', producerVersion: '1', opsetImport: [{ domain: '', version: 13 }], graph };
  const problem = ModelProto.verify(model);
  if (problem) throw new Error(`tiny ONNX model is malformed: ${problem}`);
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];

/**
 * A small WordPiece vocabulary: specials, single characters (and their "##" continuations) so any
 * Latin word can be spelled, whole words from the given corpus, and every CJK character in it
 * (BERT's normaliser splits Chinese into single characters).
 */
export function buildVocabulary(corpus: string[]): string[] {
  const vocab = new Set<string>(SPECIAL_TOKENS);
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  for (const ch of alphabet) vocab.add(ch);
  for (const ch of alphabet) vocab.add(`##${ch}`);
  for (const ch of '.,!?\'"-:;()/$%&#@') vocab.add(ch);
  for (const text of corpus) {
    for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) vocab.add(word);
    for (const ch of text.match(/[\u4e00-\u9fff]/gu) ?? []) vocab.add(ch);
  }
  return [...vocab];
}

function tokenizerJson(vocab: string[]) {
  const ids = Object.fromEntries(vocab.map((token, id) => [token, id]));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content) => ({
      id: ids[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [ids['[CLS]']], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [ids['[SEP]']], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: ids },
  };
}

export interface TinyModelOptions {
  /** Root folder (the encoder's modelDir). */
  dir: string;
  modelId?: string;
  hidden?: number;
  seed?: number;
  /** Sentences whose words and characters should be in the vocabulary. */
  corpus?: string[];
}

export interface TinyModel {
  dir: string;
  modelId: string;
  hidden: number;
  vocabSize: number;
  modelPath: string;
}

/** Writes the tiny model folder and returns where it is. */
export function writeTinyModel(options: TinyModelOptions): TinyModel {
  const modelId = options.modelId ?? 'test/tiny-bert';
  const hidden = options.hidden ?? 32;
  const vocab = buildVocabulary(options.corpus ?? []);
  const folder = join(options.dir, modelId);
  mkdirSync(join(folder, 'onnx'), { recursive: true });
  const config = {
    model_type: 'bert', architectures: ['BertModel'], hidden_size: hidden, num_hidden_layers: 1,
    num_attention_heads: 1, intermediate_size: hidden, vocab_size: vocab.length, type_vocab_size: 2,
    max_position_embeddings: 512, pad_token_id: 0,
  };
  const tokenizerConfig = {
    tokenizer_class: 'BertTokenizer', do_lower_case: true, tokenize_chinese_chars: true, model_max_length: 512,
    cls_token: '[CLS]', sep_token: '[SEP]', pad_token: '[PAD]', unk_token: '[UNK]', mask_token: '[MASK]',
  };
  writeFileSync(join(folder, 'config.json'), JSON.stringify(config, null, 2));
  writeFileSync(join(folder, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig, null, 2));
  writeFileSync(join(folder, 'tokenizer.json'), JSON.stringify(tokenizerJson(vocab)));
  const modelPath = join(folder, 'onnx', 'model_quantized.onnx');
  writeFileSync(modelPath, buildTinyEncoderOnnx(vocab.length, hidden, options.seed ?? 42));
  return { dir: options.dir, modelId, hidden, vocabSize: vocab.length, modelPath };
}
