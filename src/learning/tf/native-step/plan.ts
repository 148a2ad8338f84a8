/**
 * One native training step for any tf.layers model made of the common layers: the model's
 * graph (functional or sequential: `model.layers` and their inbound nodes) is compiled once
 * per batch size into a plan over one preallocated arena (the weights' copy, the
 * activations, their gradients, the gradients in the flat vector's trainable order) and a
 * list of forward and backward ops, each a call of a native kernel (native/src/). No
 * TensorFlow.js engine, tape or tensor per step; the tf.layers model stays the reference
 * (tests compare loss and gradients with `tf.variableGrads` on it) and serves evaluation.
 *
 * Layers are compiled by ops registered per layer class ({@link registerNativeOp}): the
 * common ones in `ops.ts`, dflsim's own layers in `fadnet-ops.ts` (FADNet's), a user's
 * wherever the layer is defined. A layer without an op, or outside its op's cover, makes the
 * model train through tf.layers; {@link compileNativeStep} says which layer and why.
 *
 * Order of operations, so that a step is a function of the weights, the batch and the
 * dropout masks only: the ops run forward in `model.layers` order and backward in the
 * reverse order; every kernel has one order of operations (native/src/layers.h); an
 * activation read by several layers gets the sum of their gradients in the order those
 * layers run forward (((g1 + g2) + g3) ...), whatever order they run backward.
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../../native-addon.js';

/**
 * The losses a plan computes: MSE; softmax cross-entropy from logits (class indices);
 * categorical cross-entropy on probabilities (class indices; Keras' clipping at 1e-7);
 * binary cross-entropy on probabilities (one 0/1 target per output; Keras' clipping).
 */
export type NativeLoss = 'mse' | 'softmax-cross-entropy' | 'categorical-cross-entropy' | 'binary-cross-entropy';

const LOSS_KIND: Record<NativeLoss, number> = {
  mse: 0,
  'softmax-cross-entropy': 1,
  'categorical-cross-entropy': 2,
  'binary-cross-entropy': 3,
};

/** Target values per sample a loss reads: one class index, or one per output. */
export function targetsPerSample(loss: NativeLoss, outputs: number): number {
  return loss === 'softmax-cross-entropy' || loss === 'categorical-cross-entropy' ? 1 : outputs;
}

/** A tensor in the arena: its shape (batch first), its size, and the offsets (in floats) of its values and gradient (-1: none). */
export interface ArenaTensor {
  shape: number[];
  size: number;
  off: number;
  grad: number;
}

/** A trainable weight in the arena: its values' and its gradient's offsets, and its size. */
export interface ArenaWeight {
  w: number;
  g: number;
  size: number;
  shape: number[];
}

/** What an op sees while it is compiled for one layer at one batch size. */
export interface OpContext {
  addon: NativeAddon;
  layer: tf.layers.Layer;
  /** The layer's class name (`getClassName()`). */
  className: string;
  /** Its config (`getConfig()`). */
  config: tf.serialization.ConfigDict;
  batch: number;
  /** The plan's loss, and whether this layer gives the model's output (see {@link NativeOp.fusedLoss}). */
  loss: NativeLoss;
  isOutput: boolean;
  /**
   * Its inputs. `grad` is where this layer writes (overwrites) its gradient with respect to
   * that input, -1 when none is needed (the model's input, or nothing trainable upstream).
   */
  inputs: readonly ArenaTensor[];
  /** Its output (allocated from the layer's output shape); `grad` holds the gradient reaching it (-1: none needed). */
  output: ArenaTensor;
  /** Reserve n floats of the arena (64-byte aligned); returns the offset. */
  alloc(n: number): number;
  /** The layer's trainable weight of this role ('kernel', 'bias', 'gamma', ...), or undefined. */
  weight(role: string): ArenaWeight | undefined;
  /** The thread count for the convolutions and products (read at each call). */
  threads(): number;
}

/** One compiled layer: its forward and backward passes over the arena. */
export interface NativeOp {
  /** Compute the output from the inputs. */
  forward(h: Float32Array): void;
  /** From the output's gradient: every trainable weight's gradient, and each input's where `grad >= 0`. */
  backward(h: Float32Array): void;
  /**
   * An op producing the model's output may compute a loss with its own backward in one pass
   * (e.g. to keep the loss's gradient in float64): return the function computing the loss
   * (after forward; its backward then has nothing left to do), or null for the plain loss.
   * @param y offset of the targets
   */
  fusedLoss?(loss: NativeLoss, y: number): ((h: Float32Array) => number) | null;
  /** Batch statistics for the moving averages (batch norm): offsets of `channels` means and biased variances. */
  batchStats?: { mean: number; variance: number; channels: number; momentum: number };
}

/** Compile one layer at one batch size: an op, or a reason why not (the model then trains through tf.layers). */
export type NativeOpFactory = (c: OpContext) => NativeOp | string;

const registry = new Map<string, NativeOpFactory>();

/**
 * Register the native op of a layer class (by `getClassName()`): models with such layers
 * train through the native step. A later registration for the same class replaces the earlier.
 */
export function registerNativeOp(className: string, factory: NativeOpFactory): void {
  registry.set(className, factory);
}

/** The classes with a native op. */
export function nativeOpClasses(): string[] {
  return [...registry.keys()].sort();
}

/** Where a trainable weight lies in the flat vector. */
export interface WeightSlot {
  name: string;
  shape: number[];
  offset: number;
}

/** Offsets of a model's weights in its flat vector: trainable ones first, then the state (the trainer's layout), by original name. */
export function weightOffsets(model: tf.LayersModel): Map<string, number> {
  const offsets = new Map<string, number>();
  let off = 0;
  for (const v of [...model.trainableWeights, ...model.nonTrainableWeights]) {
    offsets.set(v.originalName, off);
    off += count(v.shape as number[]);
  }
  return offsets;
}

/** The trainable weights' slots in the flat vector. */
export function trainableSlots(model: tf.LayersModel): WeightSlot[] {
  const offsets = weightOffsets(model);
  return model.trainableWeights.map((v) => ({ name: v.originalName, shape: v.shape as number[], offset: offsets.get(v.originalName)! }));
}

/** The result of one step. */
export interface NativeStepResult {
  /** The batch's loss (float64). */
  loss: number;
  /** Gradients, one per trainable float, in the flat vector's order (a view: valid until the next step). */
  grads: Float32Array;
  /** Batch mean and biased variance of each batch norm, in the model's layer order. */
  bnStats: { name: string; mean: Float32Array; variance: Float32Array; momentum: number }[];
}

/** A model's native training step, compiled per batch size on first use. */
export interface NativeStepProgram {
  readonly loss: NativeLoss;
  /**
   * One step: forward, loss, backward. Dropout layers draw their next masks (as a tf.layers call does).
   * @param weights the flat weights (only the first paramCount, the trainable ones, are read)
   * @param x inputs [batch, ...inputShape]; y targets ({@link targetsPerSample} per sample)
   */
  step(weights: Float32Array, x: Float32Array, y: Float32Array, batch: number): NativeStepResult;
}

/** Options of {@link compileNativeStep}. */
export interface NativeStepOptions {
  loss: NativeLoss;
  /** Thread count of the convolutions and products, read at each call (default 1). */
  threads?: () => number;
}

interface Node {
  layer: tf.layers.Layer;
  className: string;
  inputs: number[]; // tensor ids
  output: number;
  factory: NativeOpFactory;
}

interface Graph {
  nodes: Node[];
  input: number;
  output: number;
  /** trainable weights by variable: offset in the flat vector */
  offsets: Map<tf.LayerVariable, number>;
  paramCount: number;
  shapes: Map<number, number[]>; // without batch
}

const count = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Walk the model's layers into nodes, or say which layer has no native op. */
function analyse(model: tf.LayersModel): Graph | string {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return 'the model has several inputs or outputs: training through tf.layers';
  const input = model.inputs[0]!.id;
  const output = model.outputs[0]!.id;
  const shapes = new Map<number, number[]>([[input, model.inputs[0]!.shape.slice(1) as number[]]]);
  const nodes: Node[] = [];
  for (const layer of model.layers) {
    const className = layer.getClassName();
    if (className === 'InputLayer') continue;
    const where = `model layer '${layer.name}' (${className})`;
    if (layer.inboundNodes.length !== 1) return `${where} is applied more than once: training through tf.layers`;
    const node = layer.inboundNodes[0]!;
    if (node.outputTensors.length !== 1) return `${where} has several outputs: training through tf.layers`;
    const factory = registry.get(className);
    if (!factory) return `${where} has no native op: training through tf.layers`;
    if (!layer.trainable && layer.weights.length > 0) return `${where} is frozen: training through tf.layers`;
    const out = node.outputTensors[0]!;
    shapes.set(out.id, out.shape.slice(1) as number[]);
    nodes.push({ layer, className, inputs: node.inputTensors.map((t) => t.id), output: out.id, factory });
  }
  const offsets = new Map<tf.LayerVariable, number>();
  let off = 0;
  for (const v of model.trainableWeights) {
    offsets.set(v, off);
    off += count(v.shape as number[]);
  }
  return { nodes, input, output, offsets, paramCount: off, shapes };
}

/** A plan at one batch size: the arena and the ops. */
interface Plan {
  heap: Float32Array;
  wOff: number;
  gOff: number;
  x: ArenaTensor;
  yOff: number;
  out: ArenaTensor;
  ops: { op: NativeOp; name: string; sums: { into: number; from: number; n: number }[] }[];
  lossFn: (h: Float32Array) => number;
}

function compilePlan(addon: NativeAddon, g: Graph, B: number, loss: NativeLoss, threads: () => number): Plan | string {
  let top = 0;
  const alloc = (n: number) => {
    const o = top;
    top += n + ((16 - (n % 16)) % 16); // 64-byte steps
    return o;
  };
  const wOff = alloc(g.paramCount);
  const gOff = alloc(g.paramCount);
  // which tensors need a gradient: those downstream of a trainable weight
  const needs = new Set<number>();
  for (const n of g.nodes) if (n.layer.trainableWeights.length > 0 || n.inputs.some((t) => needs.has(t))) needs.add(n.output);
  // consumers of each tensor, in forward order
  const consumers = new Map<number, { node: number; slot: number }[]>();
  g.nodes.forEach((n, i) => n.inputs.forEach((t, slot) => consumers.set(t, [...(consumers.get(t) ?? []), { node: i, slot }])));
  if ((consumers.get(g.output)?.length ?? 0) > 0) return `the model's output is also read by a layer: training through tf.layers`;
  const tensors = new Map<number, ArenaTensor>();
  const make = (id: number): ArenaTensor => {
    const shape = [B, ...g.shapes.get(id)!];
    const size = count(shape);
    return { shape, size, off: alloc(size), grad: needs.has(id) ? alloc(size) : -1 };
  };
  const x = make(g.input);
  tensors.set(g.input, x);
  // gradient buffers of each (consumer, slot): the first consumer writes the tensor's own, the others extra ones
  const contribution = new Map<string, number>();
  const sumsAfter = new Map<number, { into: number; from: number; n: number }[]>();
  const ops: Plan['ops'] = [];
  for (const [i, n] of g.nodes.entries()) {
    const inputs = n.inputs.map((t, slot) => {
      const at = tensors.get(t)!;
      if (at.grad < 0) return { ...at };
      const cs = consumers.get(t)!;
      const k = cs.findIndex((c) => c.node === i && c.slot === slot);
      let grad = at.grad;
      if (k > 0) {
        grad = alloc(at.size);
        // summed after the first consumer's backward (the last of them to run backward), in forward order
        const first = cs[0]!.node;
        sumsAfter.set(first, [...(sumsAfter.get(first) ?? []), { into: at.grad, from: grad, n: at.size }]);
      }
      contribution.set(`${i}:${slot}`, grad);
      return { ...at, grad };
    });
    const output = make(n.output);
    tensors.set(n.output, output);
    const weights = new Map<string, ArenaWeight>();
    for (const v of n.layer.trainableWeights) {
      const role = v.originalName.slice(v.originalName.lastIndexOf('/') + 1);
      const o = g.offsets.get(v)!;
      weights.set(role, { w: wOff + o, g: gOff + o, size: count(v.shape as number[]), shape: v.shape as number[] });
    }
    const r = n.factory({
      addon,
      layer: n.layer,
      className: n.className,
      config: n.layer.getConfig(),
      batch: B,
      loss,
      isOutput: n.output === g.output,
      inputs,
      output,
      alloc,
      weight: (role) => weights.get(role),
      threads,
    });
    if (typeof r === 'string') return `model layer '${n.layer.name}' (${n.className}) ${r}: training through tf.layers`;
    ops.push({ op: r, name: n.layer.name, sums: [] });
  }
  for (const [i, s] of sumsAfter) ops[i]!.sums.push(...s);
  const out = tensors.get(g.output)!;
  const yOff = alloc(B * targetsPerSample(loss, out.size / B));
  const last = ops[ops.length - 1];
  const fused = last && g.nodes[g.nodes.length - 1]!.output === g.output ? (last.op.fusedLoss?.(loss, yOff) ?? null) : null;
  let lossFn: (h: Float32Array) => number;
  if (fused) lossFn = fused;
  else {
    if (out.grad < 0) return 'nothing in the model is trainable: training through tf.layers';
    const K = out.size / B;
    if ((loss === 'softmax-cross-entropy' || loss === 'categorical-cross-entropy') && K < 2)
      return `the loss ${loss} needs at least 2 outputs per sample, the model has ${K}: training through tf.layers`;
    const kind = LOSS_KIND[loss];
    lossFn = (h) => addon.loss(h, kind, B, K, out.off, yOff, out.grad);
  }
  return { heap: new Float32Array(top), wOff, gOff, x, yOff, out, ops, lossFn };
}

/**
 * Compile a model's native training step, or say why it must train through tf.layers
 * ("model layer 'lambda_1' (Lambda) has no native op: training through tf.layers").
 * The plan of each batch size is compiled on its first step (the largest batch's and one
 * other's are kept: a shard's shorter last batch).
 */
export function compileNativeStep(
  addon: NativeAddon,
  model: tf.LayersModel,
  opts: NativeStepOptions,
): { program: NativeStepProgram } | { fallback: string } {
  const g = analyse(model);
  if (typeof g === 'string') return { fallback: g };
  const threads = opts.threads ?? (() => 1);
  const probe = compilePlan(addon, g, 1, opts.loss, threads);
  if (typeof probe === 'string') return { fallback: probe };
  const byBatch = new Map<number, Plan>([[1, probe]]);
  const bnLayers = g.nodes.map((n) => n.layer.name);
  const xPerSample = count(g.shapes.get(g.input)!);
  const yPerSample = targetsPerSample(opts.loss, count(g.shapes.get(g.output)!));
  const planFor = (B: number): Plan => {
    let p = byBatch.get(B);
    if (!p) {
      const largest = Math.max(0, ...byBatch.keys());
      for (const k of [...byBatch.keys()]) if (k !== largest) byBatch.delete(k);
      const made = compilePlan(addon, g, B, opts.loss, threads);
      if (typeof made === 'string') throw new Error(`dflsim native step: batch ${B}: ${made}`);
      p = made;
      byBatch.set(B, p);
    }
    return p;
  };
  return {
    program: {
      loss: opts.loss,
      step(weights, x, y, B) {
        if (!Number.isInteger(B) || B < 1) throw new Error(`dflsim native step: batch must be a positive integer, got ${B}`);
        if (weights.length < g.paramCount)
          throw new Error(`dflsim native step: expected at least ${g.paramCount} weights, got ${weights.length}`);
        if (x.length < B * xPerSample || y.length < B * yPerSample)
          throw new Error(`dflsim native step: a batch of ${B} needs ${B * xPerSample} inputs and ${B * yPerSample} targets`);
        const p = planFor(B);
        const h = p.heap;
        h.set(weights.subarray(0, g.paramCount), p.wOff);
        h.fill(0, p.gOff, p.gOff + g.paramCount);
        h.set(x.subarray(0, B * xPerSample), p.x.off);
        h.set(y.subarray(0, B * yPerSample), p.yOff);
        for (const o of p.ops) o.op.forward(h);
        const loss = p.lossFn(h);
        for (let i = p.ops.length - 1; i >= 0; i--) {
          const o = p.ops[i]!;
          o.op.backward(h);
          for (const s of o.sums) addon.add(h, s.n, s.from, 0, s.into, 1);
        }
        const bnStats: NativeStepResult['bnStats'] = [];
        p.ops.forEach((o, i) => {
          const s = o.op.batchStats;
          if (s)
            bnStats.push({
              name: bnLayers[i]!,
              mean: h.slice(s.mean, s.mean + s.channels),
              variance: h.slice(s.variance, s.variance + s.channels),
              momentum: s.momentum,
            });
        });
        return { loss, grads: h.subarray(p.gOff, p.gOff + g.paramCount), bnStats };
      },
    },
  };
}
