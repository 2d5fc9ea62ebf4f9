// `npm run model:download`: fetches the sentence encoder (MODEL_ID) into MODEL_DIR once, in this process alone,
// so that servers and workers can all run with MODEL_OFFLINE=true. Several processes downloading into one shared
// folder at once is not safe: transformers.js writes each file in place, so one process can read another's half-written
// file, and a download cut short leaves a truncated file that later starts take for the model.
// Loading the model here also proves the files work (one real inference); files already present are not fetched again.
import { ConfigError, loadConfig } from '../server/config.ts';
import { EncoderUnavailableError, TransformersEncoder } from '../knowledge-base/encoders/transformers.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const encoder = await TransformersEncoder.load({
    modelId: config.modelId, modelDir: config.modelDir, offline: false, log: (line) => console.log(line),
  });
  console.log(`${config.modelId} is ready in ${config.modelDir} (${encoder.dim} dimensions): start with MODEL_OFFLINE=true.`);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else if (error instanceof EncoderUnavailableError) {
    // A cut-off earlier download leaves files that look present: removing the folder makes the next run start over.
    console.error(`${error.reason}\nIf a download was interrupted before, delete that model's folder under MODEL_DIR and run this again.`);
  } else console.error(error);
  process.exit(1);
});
