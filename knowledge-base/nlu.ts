// Public entry of the bot's language understanding (text, encoders, intent classifier).
//
// Exported API
//   Text
//     detectLanguage(text) → 'en' | 'zh'
//     tokenize(text, { dropStopWords = true }) → string[]   stemmed English + jieba-segmented Chinese
//     charNgrams(text, min, max) → string[];  isStopWord(token) → boolean
//   Encoders
//     createEncoders({ modelId, modelDir, modelOffline }, log?) → Promise<EncoderSet>
//         EncoderSet = { dense: Encoder | null, status: EncoderStatus[], summary: string }  (summary → start log)
//     Encoder = { name, kind: 'sparse' | 'dense', dim, encode(texts) → Promise<FeatureVector[]> }
//     LexicalEncoder.fit(texts, options?) → LexicalEncoder (sparse TF-IDF, usable by the retriever too)
//     TransformersEncoder.load({ modelId, modelDir, offline, log? }) → Promise<TransformersEncoder>
//   Intent classifier
//     trainIntentClassifier(intents: {name, examples}[], options?) → Promise<IntentClassifier>
//         options: { denseEncoder?, outOfScopeExamples?, targetAcceptance = 0.95, seed, ... } (see TrainOptions)
//         throws AppError 400 (code "validation") on unusable training data
//     classifier.classify(text) → Promise<Classification>
//         = { intent, confidence, inScopeScore, outOfScope, alternatives: [{intent, confidence}], encoder }
//     classifier.classifyMany(texts) → Promise<Classification[]>
//     classifier.toJSON() → IntentClassifierJSON (plain JSON, store as jsonb; ~4 bytes × features × intents)
//     loadIntentClassifier(json, { denseEncoder? }) / IntentClassifier.fromJSON(...) → IntentClassifier
//         throws when the stored model needs a sentence encoder this server does not have
//     classifier.intents, classifier.threshold, classifier.stats, classifier.encoderName
export { detectLanguage, tokenize, charNgrams, isStopWord, type Language, type TokenizeOptions } from './text/tokenize.ts';
export type { Encoder, FeatureVector } from './encoders/types.ts';
export { LexicalEncoder, type LexicalOptions } from './encoders/lexical.ts';
export { TransformersEncoder, EncoderUnavailableError } from './encoders/transformers.ts';
export { createEncoders, type EncoderSet, type EncoderStatus, type EncoderConfig } from './encoders/index.ts';
export {
  IntentClassifier, OUT_OF_SCOPE_CLASS,
  type Classification, type IntentDefinition, type IntentScore, type TrainOptions, type TrainingStats, type IntentClassifierJSON,
} from './classifier/intent-classifier.ts';

import type { Encoder } from './encoders/types.ts';
import { IntentClassifier, type IntentClassifierJSON, type IntentDefinition, type TrainOptions } from './classifier/intent-classifier.ts';

export function trainIntentClassifier(intents: IntentDefinition[], options: TrainOptions = {}): Promise<IntentClassifier> {
  return IntentClassifier.train(intents, options);
}

export function loadIntentClassifier(json: IntentClassifierJSON, options: { denseEncoder?: Encoder | null } = {}): IntentClassifier {
  return IntentClassifier.fromJSON(json, options);
}
