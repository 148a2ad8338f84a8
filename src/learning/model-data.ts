/**
 * Whether a model fits the data it is to train on: its input shape against the samples',
 * its outputs against the classes or targets, its loss against the labels. Pure: it reads
 * what a built model says of itself (a `ModelHandle` or its summary).
 */
import { DflsimInputError } from '../errors.js';
import type { LossName } from './model-registry.js';

/** What the data gives a model. */
export interface DataShape {
  /** Shape of one sample (e.g. `[28, 28, 1]`). */
  sampleShape: number[];
  /** The labels: a class index per sample, 0/1 per output, or values to regress. */
  labelKind: 'class' | 'binary' | 'values';
  /** Classes (labelKind 'class'). */
  classes?: number;
  /** Label values per sample ('binary', 'values'; 1 for 'class'). */
  targets: number;
}

/** What {@link checkModelData} reads of a model. */
export interface ModelShape {
  inputShape: number[];
  outputSize: number;
  loss: LossName;
  /** The config field the model comes from (`model.path`; default `model`). */
  origin?: { field: string; value: string };
}

/**
 * Check that a model fits the data, naming the field at fault.
 * The model's input must be the sample's shape, or a vector of as many values (a flattened
 * sample); categorical cross-entropy needs as many outputs as classes (at least 2) and class
 * labels; binary cross-entropy needs labels in {0, 1} and one output per label; mse needs one
 * output per target.
 * @param where the config file (`exp.json`), prefixed to the field
 * @throws DflsimInputError naming `model.path` / `model.name` / `model.module`, `model.loss` or the dataset
 */
export function checkModelData(model: ModelShape, data: DataShape, where: string): void {
  const field = model.origin?.field ?? 'model';
  const shown = model.origin ? ` (${model.origin.value})` : '';
  const at = (f: string): string => (where ? `${where}: ${f}` : f);
  const count = (s: number[]): number => s.reduce((a, b) => a * b, 1);
  const sameShape = model.inputShape.length === data.sampleShape.length && model.inputShape.every((d, i) => d === data.sampleShape[i]);
  const flat = model.inputShape.length === 1 && model.inputShape[0] === count(data.sampleShape);
  if (!sameShape && !flat)
    throw new DflsimInputError(
      at(field),
      `the model${shown} takes samples of shape [${model.inputShape.join(', ')}], the dataset's are [${data.sampleShape.join(', ')}] (or a vector of ${count(data.sampleShape)} values)`,
    );
  const loss = model.loss;
  if (loss === 'categorical-crossentropy') {
    if (data.labelKind !== 'class')
      throw new DflsimInputError(
        at('model.loss'),
        `"categorical-crossentropy" needs class labels; the dataset's labels are ${data.labelKind === 'binary' ? '0/1 per output (use "binary-crossentropy")' : 'values (use "mse")'}`,
      );
    const classes = data.classes ?? 0;
    if (classes < 2)
      throw new DflsimInputError(at('dataset'), `categorical cross-entropy needs at least 2 classes, the dataset has ${classes}`);
    if (model.outputSize !== classes)
      throw new DflsimInputError(
        at(field),
        `the model${shown} has ${model.outputSize} outputs, the dataset has ${classes} classes (categorical cross-entropy needs one output per class)`,
      );
  } else if (loss === 'binary-crossentropy') {
    if (data.labelKind !== 'binary')
      throw new DflsimInputError(
        at('model.loss'),
        `"binary-crossentropy" needs labels in {0, 1}; the dataset's labels are ${data.labelKind === 'class' ? `class indices of ${data.classes ?? '?'} classes (use "categorical-crossentropy")` : 'values (use "mse")'}`,
      );
    if (model.outputSize !== data.targets)
      throw new DflsimInputError(
        at(field),
        `the model${shown} has ${model.outputSize} outputs, the dataset has ${data.targets} 0/1 labels per sample (binary cross-entropy needs one output per label)`,
      );
  } else {
    if (data.labelKind === 'class')
      throw new DflsimInputError(
        at('model.loss'),
        `"mse" regresses values; the dataset's labels are class indices of ${data.classes ?? '?'} classes (use "categorical-crossentropy")`,
      );
    if (model.outputSize !== data.targets)
      throw new DflsimInputError(
        at(field),
        `the model${shown} has ${model.outputSize} outputs, the dataset has ${data.targets} target value${data.targets === 1 ? '' : 's'} per sample (mse needs one output per target)`,
      );
  }
}
