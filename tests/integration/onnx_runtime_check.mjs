// Runs a `tad export --format onnx` file in ONNX Runtime (onnxruntime-node, from report/node_modules)
// on every row of a dataset and checks it against tad itself:
//   - the label of every row equals `tad predict`'s;
//   - every class's probability is within 1e-6 of the model's: the class shares of the leaf that
//     the row reaches when the tad model file is walked here in double (value <= threshold; NULL
//     and NaN go right), which is the model file's definition (docs/model-format.md), averaged
//     over the trees for a forest; for gbt, the softmax (two classes: logistic) of base_score plus
//     the values of the leaves reached, tree t adding to class t % K;
//   - the input's feature order is the one in the ONNX file's metadata, equal to the model file's.
// Rows come from the dataset through DuckDB (parquet_to_tsv --sql), cast to FLOAT as tad reads
// them, joined with `tad predict` output by (file, row).
//
// node onnx_runtime_check.mjs dataset --model M --onnx F --dataset D --predictions P --sql-tool T
//                                     [--min-missing-splits N]
//   N: at least N rows must meet a missing value at a split on their path (default 0).
// node onnx_runtime_check.mjs thresholds --tad TAD --sql-tool T --work DIR
//   A model whose thresholds are not floats (0.1, 1/3, 16777217, 1e-40, 1e300...) and a dataset of
//   the floats next to each one (and NaN, ±inf): tad export, tad predict, then the checks above.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { onnxMetadata } from './onnx_metadata.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const ort = createRequire(resolve(here, '../../report/package.json'))('onnxruntime-node');

const kTolerance = 1e-6;
const [mode, ...rest] = process.argv.slice(2);
const args = {};
for (let i = 0; i < rest.length; i += 2) args[rest[i].replace(/^--/, '')] = rest[i + 1];

function run(command, commandArgs) {
  const result = spawnSync(command, commandArgs, { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (result.status !== 0) {
    throw new Error(`${command} ${commandArgs.join(' ').slice(0, 300)} exited ${result.status}: ${result.stderr}`);
  }
  return result.stdout;
}

const sqlString = (text) => `'${text.replaceAll("'", "''")}'`;
const sqlIdentifier = (name) => `"${name.replaceAll('"', '""')}"`;

function parseValue(text) {
  if (text === '' || /^-?nan$/i.test(text)) return NaN;
  if (/^inf(inity)?$/i.test(text)) return Infinity;
  if (/^-inf(inity)?$/i.test(text)) return -Infinity;
  return Number(text);
}

// Every row of the dataset that `tad predict` predicted: {file, row, prediction, values}, the
// values being the floats tad reads (CAST AS FLOAT; printed exactly as doubles). Written beside the
// predictions as PREDICTIONS.rows.tsv.
function rowsWithPredictions(sqlTool, dataset, predictions, features) {
  const root = resolve(dataset);
  const dump = `${resolve(predictions)}.rows.tsv`;  // DuckDB cannot write to a pipe that is a socket
  const columns = features.map((f) => `CAST(CAST(d.${sqlIdentifier(f)} AS FLOAT) AS DOUBLE)`).join(', ');
  const sql =
    `COPY (SELECT p.file, p."row", p.prediction, ${columns} ` +
    `FROM read_parquet(${sqlString(`${root}/**/*.parquet`)}, filename = true, file_row_number = true, ` +
    `hive_partitioning = false) d JOIN read_parquet(${sqlString(resolve(predictions))}) p ` +
    `ON p.file = substr(d.filename, ${root.length + 2}) AND p."row" = d.file_row_number ` +
    `ORDER BY p.file, p."row") TO ${sqlString(dump)} (FORMAT csv, DELIMITER '\t', HEADER false, NULLSTR '')`;
  run(sqlTool, ['--sql', sql]);
  const rows = readFileSync(dump, 'utf8').split('\n').filter(Boolean).map((line) => {
    const [file, row, prediction, ...values] = line.split('\t');
    return { file, row: Number(row), prediction, values: values.map(parseValue) };
  });
  run(sqlTool, ['--sql', `COPY (SELECT count(*) FROM read_parquet(${sqlString(resolve(predictions))})) ` +
                         `TO ${sqlString(dump)} (FORMAT csv, HEADER false)`]);
  const predicted = Number(readFileSync(dump, 'utf8').trim());
  if (rows.length !== predicted) throw new Error(`only ${rows.length} of ${predicted} predicted rows were found in ${dataset}`);
  return rows;
}

// The leaf a row reaches in the tad model file, compared in double, and how many of the splits on
// its path met a missing value.
function walk(tree, values) {
  let node = tree.nodes[0];
  let missing = 0;
  while (node.feature !== undefined) {
    const value = values[node.feature];
    if (Number.isNaN(value)) missing += 1;
    node = tree.nodes[value <= node.threshold ? node.left : node.right];
  }
  return { leaf: node, missing };
}

// docs/model-format.md: softmax of the margins; two classes: class 1's log-odds through the logistic.
function boostedProbabilities(margins, classes) {
  if (classes === 2) {
    const p = 1 / (1 + Math.exp(-margins[0]));
    return [1 - p, p];
  }
  const largest = Math.max(...margins);
  const exps = margins.map((m) => Math.exp(m - largest));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

async function check(modelPath, onnxPath, dataset, predictions, sqlTool, minMissingSplits) {
  const model = JSON.parse(readFileSync(modelPath, 'utf8'));
  const metadata = onnxMetadata(readFileSync(onnxPath));
  const features = JSON.parse(metadata.features);
  const failures = [];
  const fail = (what) => failures.push(what);
  if (JSON.stringify(features) !== JSON.stringify(model.features)) fail(`metadata features ${metadata.features}`);
  if (metadata.classes !== JSON.stringify(model.classes)) fail(`metadata classes ${metadata.classes}`);
  if (!['decision_tree', 'random_forest', 'gbt'].includes(model.kind)) fail(`kind ${model.kind}: not checked here yet`);

  const rows = rowsWithPredictions(sqlTool, dataset, predictions, features);
  const width = features.length;
  const input = new Float32Array(rows.length * width);
  rows.forEach((r, i) => input.set(r.values, i * width));
  const session = await ort.InferenceSession.create(onnxPath);
  const output = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', input, [rows.length, width]) });
  const labels = output.label.data;
  const probabilities = output.probabilities.data;
  const classes = model.classes.length;
  if (probabilities.length !== rows.length * classes) fail(`probabilities has ${probabilities.length} values`);

  let mismatches = 0;
  let largestError = 0;
  let rowsWithNaN = 0;
  let rowsMissingAtSplit = 0;
  const leaves = new Set();
  rows.forEach((r, i) => {
    const where = `${r.file} row ${r.row}`;
    let expected = new Array(classes).fill(0);
    const margins = model.kind === 'gbt' ? [...model.base_score] : [];
    let missingAtSplits = 0;
    model.trees.forEach((tree, t) => {
      const { leaf, missing } = walk(tree, r.values);
      leaves.add(`${t}:${leaf.id}`);
      missingAtSplits += missing;
      if (model.kind === 'gbt') {
        margins[t % margins.length] += leaf.value;
        return;
      }
      const total = leaf.counts.reduce((a, b) => a + b, 0);
      leaf.counts.forEach((count, c) => { expected[c] += count / total / model.trees.length; });
      if (model.trees.length === 1 && model.classes[leaf.prediction] !== r.prediction) {
        fail(`${where}: the model file's leaf ${leaf.id} predicts ${model.classes[leaf.prediction]}, tad predict ${r.prediction}`);
      }
    });
    if (model.kind === 'gbt') expected = boostedProbabilities(margins, classes);
    if (r.values.some(Number.isNaN)) rowsWithNaN += 1;
    if (missingAtSplits > 0) rowsMissingAtSplit += 1;
    if (labels[i] !== r.prediction) {
      mismatches += 1;
      fail(`${where}: ONNX Runtime says ${labels[i]}, tad predict ${r.prediction} (values ${r.values})`);
    }
    for (let c = 0; c < classes; c++) {
      const error = Math.abs(probabilities[i * classes + c] - expected[c]);
      largestError = Math.max(largestError, error);
      if (!(error <= kTolerance)) fail(`${where}: probability of ${model.classes[c]} off by ${error}`);
    }
  });
  if (rowsMissingAtSplit < minMissingSplits) {
    fail(`only ${rowsMissingAtSplit} rows met a missing value at a split; expected at least ${minMissingSplits}`);
  }
  console.log(`${onnxPath}: ${rows.length} rows (${rowsWithNaN} with NaN, ${rowsMissingAtSplit} meeting one at a ` +
              `split), ${leaves.size} leaves reached, ${classes} classes: ${mismatches} labels differ from tad ` +
              `predict, largest probability difference ${largestError.toExponential(2)}`);
  return failures;
}

// The float next to a float value, upwards; nextDown by symmetry.
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function nextUp(v) {
  if (Number.isNaN(v) || v === Infinity) return v;
  if (v === 0) return 1.401298464324817e-45;
  f32[0] = v;
  u32[0] += v > 0 ? 1 : -1;
  return f32[0];
}
const nextDown = (v) => -nextUp(-v);

function floatSql(v) {
  if (Number.isNaN(v)) return "'nan'::FLOAT";
  if (v === Infinity) return "'inf'::FLOAT";
  if (v === -Infinity) return "'-inf'::FLOAT";
  return `CAST(${Object.is(v, -0) ? '-0.0' : String(v)} AS DOUBLE)::FLOAT`;  // exact: v is a float
}

async function checkThresholds(tad, sqlTool, work) {
  const thresholds = [0.1, -0.1, 1 / 3, 0.30000000000000004, 0.5, 2.5, 1500.5, 16777217, -16777217, 1e-40, -1e-40,
                      3.4028235677973366e38, 1e300, -1e300];
  const features = thresholds.map((_, k) => `t${k}`);
  const classes = ['c0', 'c1', 'c2'];
  // A comb: split k (node 2k) on feature k sends value <= threshold to leaf 2k+1 (class k % 3),
  // the rest on to split k+1; the last right child is a leaf of class K % 3.
  const K = thresholds.length;
  const leafCounts = (cls, k) => classes.map((_, c) => (c === cls ? 4 + k : 1 + ((k + c) % 2)));
  const nodes = [];
  let below = leafCounts(K % 3, K);
  const finalLeaf = { id: 2 * K, depth: K, counts: below, prediction: K % 3 };
  for (let k = K - 1; k >= 0; k--) {
    const left = { id: 2 * k + 1, depth: k + 1, counts: leafCounts(k % 3, k), prediction: k % 3 };
    const counts = left.counts.map((c, i) => c + below[i]);
    nodes[2 * k] = { id: 2 * k, depth: k, counts, feature: k, threshold: thresholds[k], left: 2 * k + 1,
                     right: 2 * k + 2, gain: 0.1 };
    nodes[2 * k + 1] = left;
    below = counts;
  }
  nodes[2 * K] = finalLeaf;
  const model = {
    format: 'tad.model/1', kind: 'decision_tree',
    parameters: { max_depth: K, max_bins: 32, min_instances_per_node: 1, min_info_gain: 0.0, impurity: 'gini', seed: 0,
                  test_fraction: 0.2, label: 'category' },
    features, classes, missing_values: 'NULL and NaN go right',
    training_data: { fingerprint: '0', rows: 1, train_rows: 1, test_rows: 0, class_counts: nodes[0].counts },
    trees: [{ nodes }],
  };
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const modelPath = join(work, 'thresholds_model.json');
  writeFileSync(modelPath, JSON.stringify(model, null, 1));

  // Each row probes one threshold with the floats around it; the other features are +inf, which
  // goes right at every split.
  const rows = [];
  let sensitive = 0;
  thresholds.forEach((t, k) => {
    const nearest = Math.fround(t);
    const probes = [nearest, nextUp(nearest), nextUp(nextUp(nearest)), nextDown(nearest), nextDown(nextDown(nearest)),
                    NaN, Infinity, -Infinity, 0];
    for (const v of probes) {
      const values = features.map(() => Infinity);
      values[k] = v;
      rows.push(values);
      if ((v <= nearest) !== (v <= t)) sensitive += 1;  // rounding to nearest would decide this one wrongly
    }
  });
  if (sensitive === 0) return ['no probe tells a nearest-float threshold from the right one'];
  const dataset = join(work, 'thresholds_dataset');
  const literalRows = rows.map((values) => `(${values.map(floatSql).join(', ')})`).join(',\n');
  run(sqlTool, ['--sql', `COPY (SELECT *, 'c0' AS category FROM (VALUES ${literalRows}) t(${features.join(', ')})) ` +
                         `TO ${sqlString(dataset)} (FORMAT parquet, PARTITION_BY (category))`]);
  const onnxPath = join(work, 'thresholds_model.onnx');
  const predictions = join(work, 'thresholds_predictions.parquet');
  run(tad, ['export', modelPath, '--format', 'onnx', '--out', onnxPath]);
  run(tad, ['predict', dataset, '--model', modelPath, '--out', predictions, '--threads', '1']);
  console.log(`${rows.length} probes of ${K} thresholds, ${sensitive} decided differently by the nearest float`);
  return check(modelPath, onnxPath, dataset, predictions, sqlTool, 1);
}

let failures;
if (mode === 'dataset') {
  failures = await check(args.model, args.onnx, args.dataset, args.predictions, args['sql-tool'],
                         Number(args['min-missing-splits'] ?? 0));
} else if (mode === 'thresholds') {
  failures = await checkThresholds(args.tad, args['sql-tool'], args.work);
} else {
  console.error('usage: onnx_runtime_check.mjs dataset|thresholds --option value ...');
  process.exit(2);
}
for (const failure of failures.slice(0, 10)) console.error(`FAIL: ${failure}`);
if (failures.length > 10) console.error(`FAIL: ... and ${failures.length - 10} more`);
process.exit(failures.length ? 1 : 0);
