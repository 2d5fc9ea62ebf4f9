// Intent classifier: lexical TF-IDF features (always) plus sentence-embedding
// features (when a transformers.js model is loaded), concatenated into one
// sparse vector and fed to a multinomial logistic regression plus a
// one-vs-rest squared-hinge SVM whose scores are added to its logits (both are
// linear, so the stored model is still one weight matrix).
//
// Out-of-scope decision: on an in-scope score, the intent's probability times
// how well the sentence's own features back that intent (see support(): the
// share of its feature mass that pushes towards the intent, times how many
// features do so). A question about an intent the model never learned often
// borrows one or two of a known intent's words and gets a high probability,
// but its other words do not back that intent; on held-out BANKING77 intents
// (four splits of train.csv) this rejected 8.8 points more of them than the
// probability alone (44.2 % vs 35.4 %), at the same in-scope acceptance. The
// threshold is chosen on held-out examples (k-fold, or one held-out split for
// large sets) so that a known share of in-scope questions (default 95 %) is
// accepted; when the admin gave out-of-scope examples they also become an
// explicit "__out_of_scope__" class. Intents with few examples also learn from
// their names, and the SVM joins from 20 examples per intent (see below).
import { badRequest } from '../../server/errors.ts';
import { LexicalEncoder, type LexicalEncoderJSON, type LexicalOptions } from '../encoders/lexical.ts';
import type { Encoder, FeatureVector } from '../encoders/types.ts';
import { normalizeText } from '../text/normalize.ts';
import {
  logits, seededRandom, shuffleInPlace, softmaxInPlace, trainSoftmax,
  type SoftmaxModel, type SoftmaxOptions,
} from './softmax.ts';
import { combineLinearModels, trainSquaredHinge, type SquaredHingeOptions } from './squared-hinge.ts';
import { asStored, decodeWeights, encodeWeights, type StoredWeights } from './weight-codec.ts';

export const OUT_OF_SCOPE_CLASS = '__out_of_scope__';
const MODEL_FORMAT = 'shopdesk-intent-classifier/1';
/** Chosen on a held-out split of BANKING77 train.csv: +0.5 point accuracy over logistic regression alone. */
const DEFAULT_SVM_WEIGHT = 1;
/**
 * With fewer examples per intent than this (on average) the SVM is left out: on 10-shot splits of BANKING77
 * train.csv it cost accuracy (−0.2 to −0.3 points), at 20 per intent it made no difference, at 30 it helped.
 */
const SVM_MIN_EXAMPLES_PER_CLASS = 20;
/**
 * An intent with fewer examples than this also learns from its own name ("card_arrival" → "card arrival"):
 * admins name intents after what they mean, and for a few-shot intent that is a strong hint (+1.1 to +1.7
 * points 10-shot on three splits of BANKING77 train.csv). With many examples it no longer helped.
 */
const NAME_EXAMPLE_BELOW = 50;
/** Backing features at which the breadth factor of support() is one half (chosen on splits of train.csv). */
const BREADTH_HALF_POINT = 8;
/** Longer messages are cut before encoding: intent lives in the first sentences, and it bounds latency. */
const MAX_CLASSIFY_CHARS = 1000;
/**
 * What the encoders see of a text, in training and in classify(): at most MAX_CLASSIFY_CHARS, read through
 * normalize.ts (NFKC; traditional and Cantonese as simplified), so a dense encoder gets "退货" for "退貨" as the
 * lexical one's tokenizers do.
 */
const classifierInput = (text: string) => normalizeText(text.slice(0, MAX_CLASSIFY_CHARS));

export interface IntentDefinition {
  name: string;
  examples: string[];
}

export interface TrainOptions {
  /** Sentence encoder to use beside the lexical one (from createEncoders). */
  denseEncoder?: Encoder | null;
  /** Sentences the bot should NOT claim as any intent ("what's the weather"); trained as their own class. */
  outOfScopeExamples?: string[];
  /** Share of in-scope held-out examples the threshold must accept (default 0.95). */
  targetAcceptance?: number;
  /** Folds for threshold calibration; 0 = automatic (5 for small sets, one 20 % split from 3,000 examples). */
  calibrationFolds?: number;
  /** Skip calibration and use this threshold (benchmarks that calibrate themselves). */
  fixedThreshold?: number;
  /** Share of the squared feature norm given to the dense embedding when present (default 0.5). */
  denseWeight?: number;
  seed?: number;
  lexical?: Partial<LexicalOptions>;
  softmax?: Partial<SoftmaxOptions>;
  /**
   * Weight of the one-vs-rest squared-hinge SVM whose scores are added to the logistic-regression logits
   * (default 1; 0 = logistic regression only).
   */
  svmWeight?: number;
  svm?: Partial<SquaredHingeOptions>;
  /** Use an intent's name as one more example when it has few (default true; see NAME_EXAMPLE_BELOW). */
  intentNamesAsExamples?: boolean;
}

export interface IntentScore {
  intent: string;
  confidence: number;
}

export interface Classification {
  /** Best in-scope intent (reported even when outOfScope, so the policy can offer it as a clarifying option). */
  intent: string;
  /** Probability of `intent`, 0..1. */
  confidence: number;
  /** Probability × how well the sentence's own features back `intent` (see support()), 0..1: what the threshold is applied to. */
  inScopeScore: number;
  /** True when the in-scope score is below the calibrated threshold, or the explicit out-of-scope class won. */
  outOfScope: boolean;
  /** Next best in-scope intents, best first (up to 3). */
  alternatives: IntentScore[];
  /** Encoders that produced the features, e.g. "lexical+transformers:Xenova/…". */
  encoder: string;
}

export interface TrainingStats {
  examples: number;
  intents: number;
  trainingMs: number;
  /** Accuracy on the calibration hold-out (null when not calibrated). */
  heldOutAccuracy: number | null;
  trainedAt: string;
}

export interface IntentClassifierJSON extends StoredWeights {
  format: typeof MODEL_FORMAT;
  classes: string[];
  /** Minimum in-scope score (or, for models stored before `rejection` existed, minimum probability). */
  threshold: number;
  /** Absent in models stored before the backed-probability score: they compare the probability. */
  rejection?: Rejection;
  denseWeight: number;
  dense: { name: string; dim: number } | null;
  lexical: LexicalEncoderJSON;
  numFeatures: number;
  bias: number[];
  stats: TrainingStats;
}

interface Rejection {
  score: 'backed-probability';
  /** Probability below which no intent is accepted, whatever its score (near chance for tiny sets). */
  minConfidence: number;
}

interface Featurizer {
  lexical: LexicalEncoder;
  dense: Encoder | null;
  denseWeight: number;
}

function featureCount(f: Featurizer): number {
  return f.lexical.dim + (f.dense?.dim ?? 0);
}

/** Lexical sparse vector followed by the (weighted) dense embedding, as one sparse vector. */
async function featurize(f: Featurizer, texts: string[]): Promise<FeatureVector[]> {
  const lexical = texts.map((t) => f.lexical.encodeOne(t));
  if (!f.dense) return lexical;
  const dense = await f.dense.encode(texts);
  const lexScale = Math.sqrt(1 - f.denseWeight);
  const denseScale = Math.sqrt(f.denseWeight);
  const offset = f.lexical.dim;
  return lexical.map((lex, n) => {
    const d = dense[n].values;
    const lexIdx = lex.indices!;
    const indices = new Int32Array(lexIdx.length + d.length);
    const values = new Float32Array(lexIdx.length + d.length);
    for (let i = 0; i < lexIdx.length; i++) {
      indices[i] = lexIdx[i];
      values[i] = lex.values[i] * lexScale;
    }
    for (let i = 0; i < d.length; i++) {
      indices[lexIdx.length + i] = offset + i;
      values[lexIdx.length + i] = d[i] * denseScale;
    }
    return { indices, values };
  });
}

/** Enough SGD steps for small sets to converge, without wasting epochs on large ones. */
function epochsFor(examples: number): number {
  return Math.min(60, Math.max(8, Math.ceil(40_000 / Math.max(1, examples))));
}

/** Calibration models only need to be about as confident as the final one, not as accurate: fewer epochs. */
function calibrationEpochs(examples: number): number {
  return Math.max(5, Math.round(epochsFor(examples) * 0.6));
}

function validate(intents: IntentDefinition[], outOfScope: string[]): void {
  if (!Array.isArray(intents)) throw badRequest('intents must be an array');
  const names = new Set<string>();
  for (const intent of intents) {
    if (typeof intent?.name !== 'string' || intent.name.trim() === '') throw badRequest('every intent needs a name');
    if (intent.name === OUT_OF_SCOPE_CLASS) throw badRequest(`"${OUT_OF_SCOPE_CLASS}" is reserved`);
    if (names.has(intent.name)) throw badRequest(`intent "${intent.name}" appears twice`);
    names.add(intent.name);
    if (!Array.isArray(intent.examples) || !intent.examples.some((e) => typeof e === 'string' && e.trim() !== '')) {
      throw badRequest(`intent "${intent.name}" needs at least one example`);
    }
  }
  const classes = intents.length + (outOfScope.length > 0 ? 1 : 0);
  if (intents.length < 1 || classes < 2) {
    throw badRequest('training needs at least two intents, or one intent plus out-of-scope examples');
  }
}

interface LabelledSet {
  texts: string[];
  labels: Int32Array;
  classes: string[];
  /** Training-only texts (intent names): in every training fold, never held out, not counted as examples. */
  hints: { texts: string[]; labels: number[] };
}

/** "card_arrival", "cardArrival", "card-arrival" → "card arrival"; '' when nothing readable is left. */
export function readableIntentName(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[_\-.:/]+/g, ' ').replace(/\s+/g, ' ').trim().toLowerCase();
}

function labelledSet(intents: IntentDefinition[], outOfScope: string[], namesAsExamples: boolean): LabelledSet {
  const texts: string[] = [];
  const labels: number[] = [];
  const hints: LabelledSet['hints'] = { texts: [], labels: [] };
  const classes = intents.map((i) => i.name);
  intents.forEach((intent, c) => {
    let count = 0;
    for (const e of intent.examples) {
      if (typeof e === 'string' && e.trim() !== '') {
        texts.push(classifierInput(e));
        labels.push(c);
        count++;
      }
    }
    const name = readableIntentName(intent.name);
    if (namesAsExamples && count < NAME_EXAMPLE_BELOW && name) {
      hints.texts.push(name);
      hints.labels.push(c);
    }
  });
  if (outOfScope.length > 0) {
    classes.push(OUT_OF_SCOPE_CLASS);
    for (const e of outOfScope) {
      texts.push(classifierInput(e));
      labels.push(classes.length - 1);
    }
  }
  return { texts, labels: Int32Array.from(labels), classes, hints };
}

/** Stratified fold assignment: each class spread evenly over the folds. */
function assignFolds(labels: Int32Array, folds: number, random: () => number): Int32Array {
  const byClass = new Map<number, number[]>();
  labels.forEach((y, i) => {
    const members = byClass.get(y);
    if (members) members.push(i);
    else byClass.set(y, [i]);
  });
  const fold = new Int32Array(labels.length);
  let next = 0;
  for (const members of byClass.values()) {
    shuffleInPlace(members, random);
    for (const i of members) fold[i] = next++ % folds;
  }
  return fold;
}

/** Confidence below which `acceptance` of the in-scope scores would be rejected. */
export function thresholdForAcceptance(inScopeConfidences: number[], acceptance: number): number {
  if (inScopeConfidences.length === 0) return 0;
  const sorted = [...inScopeConfidences].sort((a, b) => a - b);
  const rejectCount = Math.floor(sorted.length * (1 - acceptance));
  return rejectCount <= 0 ? Math.max(0, sorted[0] - 1e-6) : (sorted[rejectCount - 1] + sorted[rejectCount]) / 2;
}

export class IntentClassifier {
  private constructor(
    private readonly featurizer: Featurizer,
    private readonly model: SoftmaxModel,
    readonly classes: string[],
    /** Minimum in-scope score to accept an intent (see Rejection; legacy models: minimum probability). */
    readonly threshold: number,
    readonly stats: TrainingStats,
    private readonly rejection: Rejection | null,
  ) {}

  /** In-scope intent names, in training order. */
  get intents(): string[] {
    return this.classes.filter((c) => c !== OUT_OF_SCOPE_CLASS);
  }

  get encoderName(): string {
    return this.featurizer.dense ? `lexical+${this.featurizer.dense.name}` : 'lexical';
  }

  static async train(intents: IntentDefinition[], options: TrainOptions = {}): Promise<IntentClassifier> {
    const started = performance.now();
    const outOfScope = (options.outOfScopeExamples ?? []).filter((e) => typeof e === 'string' && e.trim() !== '');
    validate(intents, outOfScope);
    const data = labelledSet(intents, outOfScope, options.intentNamesAsExamples ?? true);
    const seed = options.seed ?? 1;
    // Decided once for the whole set, so calibration models and the final model are built alike.
    const svmWeight = options.svmWeight ?? (data.texts.length / data.classes.length < SVM_MIN_EXAMPLES_PER_CLASS ? 0 : DEFAULT_SVM_WEIGHT);
    const build = async (examples: string[], exampleLabels: Int32Array, forCalibration = false) => {
      const texts = [...examples, ...data.hints.texts];
      const labels = Int32Array.from([...exampleLabels, ...data.hints.labels]);
      const featurizer: Featurizer = {
        lexical: LexicalEncoder.fit(texts, options.lexical),
        dense: options.denseEncoder ?? null,
        denseWeight: options.denseWeight ?? 0.5,
      };
      const vectors = await featurize(featurizer, texts);
      const epochs = forCalibration ? calibrationEpochs(texts.length) : epochsFor(texts.length);
      const numFeatures = featureCount(featurizer);
      const numClasses = data.classes.length;
      const logistic = trainSoftmax(vectors, labels, numFeatures, numClasses, { epochs, seed, ...options.softmax });
      if (svmWeight <= 0) return { featurizer, model: logistic };
      const svm = trainSquaredHinge(vectors, labels, numFeatures, numClasses, { epochs, seed, ...options.svm });
      return { featurizer, model: combineLinearModels(logistic, svm, svmWeight) };
    };

    let threshold = options.fixedThreshold ?? 0;
    let heldOutAccuracy: number | null = null;
    if (options.fixedThreshold === undefined) {
      const calibration = await IntentClassifier.calibrate(data, options, build);
      threshold = calibration.threshold;
      heldOutAccuracy = calibration.accuracy;
    }
    const built = await build(data.texts, data.labels);
    const featurizer = built.featurizer;
    const model = asStored(built.model);
    const stats: TrainingStats = {
      examples: data.texts.length,
      intents: intents.length,
      trainingMs: Math.round(performance.now() - started),
      heldOutAccuracy,
      trainedAt: new Date().toISOString(),
    };
    // Never accept a guess that is barely better than picking a class at random.
    const rejection: Rejection = { score: 'backed-probability', minConfidence: Math.min(0.5, 1.5 / data.classes.length) };
    return new IntentClassifier(featurizer, model, data.classes, threshold, stats, rejection);
  }

  /** Trains on part of the data, scores the rest, and picks the threshold that accepts the target share. */
  private static async calibrate(
    data: LabelledSet,
    options: TrainOptions,
    build: (texts: string[], labels: Int32Array, forCalibration: boolean) => Promise<{ featurizer: Featurizer; model: SoftmaxModel }>,
  ): Promise<{ threshold: number; accuracy: number | null }> {
    // (Models trained on a fold of a tiny set are less sure than the final one, which drags the quantile
    // down towards chance; the minConfidence floor of the rejection keeps barely-better-than-random guesses out.)
    const n = data.texts.length;
    const autoFolds = n >= 3000 ? 1 : 5;
    const folds = options.calibrationFolds && options.calibrationFolds > 0 ? options.calibrationFolds : autoFolds;
    // One fold = a single 80/20 split (5 folds assigned, only the first held out).
    const assignment = assignFolds(data.labels, folds === 1 ? 5 : folds, seededRandom((options.seed ?? 1) + 7));
    const oosClass = data.classes.indexOf(OUT_OF_SCOPE_CLASS);
    const confidences: number[] = [];
    let correct = 0;
    let scored = 0;
    for (let k = 0; k < folds; k++) {
      const trainIdx: number[] = [];
      const testIdx: number[] = [];
      assignment.forEach((f, i) => (f === k ? testIdx : trainIdx).push(i));
      const trainLabels = Int32Array.from(trainIdx.map((i) => data.labels[i]));
      // A fold that lost a whole class would calibrate a different problem; skip it.
      if (testIdx.length === 0 || new Set(trainLabels).size < 2) continue;
      const { featurizer, model } = await build(trainIdx.map((i) => data.texts[i]), trainLabels, true);
      const held = await featurize(featurizer, testIdx.map((i) => data.texts[i]));
      held.forEach((x, j) => {
        const y = data.labels[testIdx[j]];
        if (y === oosClass) return;
        const probs = softmaxInPlace(logits(model, x));
        const best = bestInScope(probs, oosClass);
        confidences.push(backedProbability(model, x, probs, best));
        scored++;
        if (best === y) correct++;
      });
    }
    if (scored === 0) return { threshold: 0, accuracy: null };
    return { threshold: thresholdForAcceptance(confidences, options.targetAcceptance ?? 0.95), accuracy: correct / scored };
  }

  /** Class probabilities for each text (aligned with `classes`). Used by benchmarks. */
  async probabilities(texts: string[]): Promise<Float64Array[]> {
    return (await this.featurized(texts)).map((x) => softmaxInPlace(logits(this.model, x)));
  }

  async classify(text: string): Promise<Classification> {
    const [result] = await this.classifyMany([text]);
    return result;
  }

  async classifyMany(texts: string[]): Promise<Classification[]> {
    return (await this.featurized(texts)).map((x) => this.interpret(x));
  }

  private featurized(texts: string[]): Promise<FeatureVector[]> {
    return featurize(this.featurizer, texts.map((t) => classifierInput(String(t ?? ''))));
  }

  private interpret(x: FeatureVector): Classification {
    const probs = softmaxInPlace(logits(this.model, x));
    const oosClass = this.classes.indexOf(OUT_OF_SCOPE_CLASS);
    const ranked: IntentScore[] = [];
    probs.forEach((p, c) => {
      if (c !== oosClass) ranked.push({ intent: this.classes[c], confidence: p });
    });
    ranked.sort((a, b) => b.confidence - a.confidence);
    const top = ranked[0];
    const oosWins = oosClass >= 0 && probs[oosClass] > top.confidence;
    const inScopeScore = this.rejection ? backedProbability(this.model, x, probs, bestInScope(probs, oosClass)) : top.confidence;
    const tooUnsure = top.confidence < (this.rejection?.minConfidence ?? 0) || inScopeScore < this.threshold;
    return {
      intent: top.intent,
      confidence: top.confidence,
      inScopeScore,
      outOfScope: oosWins || tooUnsure,
      alternatives: ranked.slice(1, 4),
      encoder: this.encoderName,
    };
  }

  toJSON(): IntentClassifierJSON {
    return {
      format: MODEL_FORMAT,
      classes: this.classes,
      threshold: this.threshold,
      ...(this.rejection ? { rejection: this.rejection } : {}),
      denseWeight: this.featurizer.denseWeight,
      dense: this.featurizer.dense ? { name: this.featurizer.dense.name, dim: this.featurizer.dense.dim } : null,
      lexical: this.featurizer.lexical.toJSON(),
      numFeatures: this.model.numFeatures,
      ...encodeWeights(this.model),
      bias: Array.from(this.model.bias),
      stats: this.stats,
    };
  }

  /**
   * Restores a stored model. A model trained with a sentence encoder needs the same encoder (same name and
   * dimension) on this server; otherwise this throws rather than silently scoring garbage.
   */
  static fromJSON(json: IntentClassifierJSON, options: { denseEncoder?: Encoder | null } = {}): IntentClassifier {
    if (json?.format !== MODEL_FORMAT) throw new Error('not a stored intent classifier (unknown format)');
    let dense: Encoder | null = null;
    if (json.dense) {
      const available = options.denseEncoder;
      if (!available || available.name !== json.dense.name || available.dim !== json.dense.dim) {
        throw new Error(
          `stored intent classifier needs encoder ${json.dense.name} (${json.dense.dim}d), ` +
            `available: ${available ? `${available.name} (${available.dim}d)` : 'none'}; retrain to switch`,
        );
      }
      dense = available;
    }
    const lexical = LexicalEncoder.fromJSON(json.lexical);
    const numClasses = json.classes.length;
    const numFeatures = json.numFeatures;
    const weights = decodeWeights(json, numFeatures, numClasses);
    if (!weights || json.bias.length !== numClasses) {
      throw new Error('stored intent classifier is corrupt (weight shape mismatch)');
    }
    if (numFeatures !== lexical.dim + (dense?.dim ?? 0)) throw new Error('stored intent classifier is corrupt (feature count)');
    const model: SoftmaxModel = { numFeatures, numClasses, weights, bias: Float32Array.from(json.bias) };
    return new IntentClassifier(
      { lexical, dense, denseWeight: json.denseWeight }, model, json.classes, json.threshold, json.stats,
      json.rejection?.score === 'backed-probability' ? { score: json.rejection.score, minConfidence: Number(json.rejection.minConfidence) || 0 } : null,
    );
  }
}

/**
 * How well the text's own features back class c, 0..1: the share of the squared norm of x carried by
 * features that push towards c (x_f · w_fc > 0; vectors have unit norm and unseen n-grams keep their part
 * of it, so words the model never saw back nothing), times the breadth of that backing, n / (n + 8), where
 * n is the effective number of backing features (participation ratio of their contributions). A question
 * about something else that borrows one or two of an intent's words is backed narrowly.
 */
export function support(model: SoftmaxModel, x: FeatureVector, c: number): number {
  const { indices, values } = x;
  const C = model.numClasses;
  let backedMass = 0;
  let total = 0;
  let sum = 0;
  let sumOfSquares = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    total += v * v;
    const contribution = v * model.weights[(indices ? indices[i] : i) * C + c];
    if (contribution > 0) {
      backedMass += v * v;
      sum += contribution;
      sumOfSquares += contribution * contribution;
    }
  }
  const backers = sumOfSquares > 0 ? (sum * sum) / sumOfSquares : 0;
  return (backedMass / Math.max(1, total)) * (backers / (backers + BREADTH_HALF_POINT));
}

/** The in-scope score of class c: its probability × support(). */
function backedProbability(model: SoftmaxModel, x: FeatureVector, probs: Float64Array, c: number): number {
  return probs[c] * support(model, x, c);
}

function bestInScope(probs: Float64Array, oosClass: number): number {
  let best = -1;
  for (let c = 0; c < probs.length; c++) {
    if (c === oosClass) continue;
    if (best < 0 || probs[c] > probs[best]) best = c;
  }
  return best;
}
