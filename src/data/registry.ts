/**
 * The dataset registry: `loadDataset(spec)` turns a dataset specification (from an
 * experiment config) into an in-memory {@link DrivingDataset}: a synthetic driving set
 * generated on the fly, or a real one read from a DroNet-layout folder.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { DflsimInputError } from '../errors.js';
import type { DrivingDataset } from './dataset.js';
import { readDronetDataset, type FrameDecoder } from './dronet-reader.js';
import { generateSyntheticDriving, type DrivingCondition } from './synthetic-driving.js';
import { readLeafFemnist, type LeafOptions } from './leaf-femnist.js';
import { FEMNIST_MEAN_SAMPLES, FEMNIST_STD_SAMPLES, generateSyntheticCharacters, type CharacterDataset } from './synthetic-characters.js';

/** A synthetic driving dataset (see {@link generateSyntheticDriving}). */
export interface SyntheticDrivingSpec {
  kind: 'synthetic-driving';
  /** Frame side in pixels. */
  size: number;
  /** Number of sequences. */
  sequences: number;
  /** Frames per sequence. */
  framesPerSequence: number;
  /** Seed (same seed, same bytes). */
  seed: number;
  /** Conditions by name or definition (default: all built-in). */
  conditions?: readonly (string | DrivingCondition)[];
}

/** A dataset in the DroNet layout on disk (see {@link readDronetDataset}). */
export interface DronetSpec {
  kind: 'dronet';
  /** Folder of sequence folders; relative paths resolve against `LoadDatasetOptions.baseDir`. */
  root: string;
  /** Frame side in pixels after resize and centre crop. */
  size: number;
  /** Keep only the first frames of each sequence. */
  maxFramesPerSequence?: number;
}

/** Any dataset specification. */
export type DatasetSpec = SyntheticDrivingSpec | DronetSpec;

/** Kinds of {@link DatasetSpec}. */
export const DATASET_KINDS: readonly DatasetSpec['kind'][] = ['synthetic-driving', 'dronet'];

/** Options of {@link loadDataset}. */
export interface LoadDatasetOptions {
  /** Folder that relative `root`s resolve against (default: the working directory). */
  baseDir?: string;
  /** Image decoder for DroNet datasets (default: sharp). */
  decode?: FrameDecoder;
  /** Prefix of error locations (default `dataset`), e.g. `experiment.json: dataset`. */
  where?: string;
}

/**
 * Load (generate or read) a dataset.
 * @param spec what to load
 * @param opts base folder, decoder, error prefix
 * @throws DflsimInputError on an unknown kind, a bad field or a missing folder
 */
export async function loadDataset(spec: DatasetSpec, opts: LoadDatasetOptions = {}): Promise<DrivingDataset> {
  const where = opts.where ?? 'dataset';
  if (spec === null || typeof spec !== 'object') throw new DflsimInputError(where, 'must be an object with a "kind"');
  switch (spec.kind) {
    case 'synthetic-driving': {
      for (const f of ['size', 'sequences', 'framesPerSequence', 'seed'] as const) {
        if (typeof spec[f] !== 'number') throw new DflsimInputError(`${where}.${f}`, `must be a number, got ${String(spec[f])}`);
      }
      try {
        return generateSyntheticDriving({
          size: spec.size,
          sequences: spec.sequences,
          framesPerSequence: spec.framesPerSequence,
          seed: spec.seed,
          conditions: spec.conditions,
        });
      } catch (e) {
        throw relocate(e, where, 'synthetic-driving');
      }
    }
    case 'dronet': {
      if (typeof spec.root !== 'string' || spec.root === '') throw new DflsimInputError(`${where}.root`, 'must be a folder path');
      if (!Number.isInteger(spec.size) || spec.size < 1)
        throw new DflsimInputError(`${where}.size`, `must be a positive integer, got ${spec.size}`);
      const root = path.resolve(opts.baseDir ?? process.cwd(), spec.root);
      let isDir = false;
      try {
        isDir = (await stat(root)).isDirectory();
      } catch {
        isDir = false;
      }
      if (!isDir) throw new DflsimInputError(`${where}.root`, `dataset folder not found: ${root}`);
      try {
        return await readDronetDataset(root, { size: spec.size, maxFramesPerSequence: spec.maxFramesPerSequence, decode: opts.decode });
      } catch (e) {
        throw relocate(e, where, 'dronet');
      }
    }
    default:
      throw new DflsimInputError(
        `${where}.kind`,
        `unknown dataset kind "${String((spec as { kind?: unknown }).kind)}" (known: ${DATASET_KINDS.join(', ')})`,
      );
  }
}

/** Re-root a field error (`synthetic-driving.size` -> `dataset.size`); file errors keep their file. */
function relocate(e: unknown, where: string, prefix: string): unknown {
  if (e instanceof DflsimInputError && e.where.startsWith(`${prefix}.`)) {
    return new DflsimInputError(`${where}${e.where.slice(prefix.length)}`, e.message.slice(e.where.length + 2), e.exitCode);
  }
  return e;
}

/** Synthetic handwritten-like characters (see {@link generateSyntheticCharacters}). */
export interface SyntheticCharactersDatasetSpec {
  kind: 'synthetic-characters';
  /** Number of writers. */
  writers: number;
  /** Seed (same seed, same bytes). */
  seed: number;
  /** Mean images per writer (default FEMNIST's 226.8); the standard deviation keeps FEMNIST's ratio to the mean (88.9 / 226.8). */
  meanSamplesPerWriter?: number;
  /** How many times as likely each digit is as each letter (default 3). */
  digitWeight?: number;
}

/** FEMNIST in LEAF's JSON layout on disk (see {@link readLeafFemnist}). */
export interface LeafFemnistSpec {
  kind: 'leaf-femnist';
  /** A folder of `*.json` files, a file, or a list of them; relative paths resolve against `LoadDatasetOptions.baseDir`. */
  files: string | readonly string[];
  /** Pixel polarity (default `auto`). */
  invert?: LeafOptions['invert'];
}

/** Any character dataset specification. */
export type CharacterDatasetSpec = SyntheticCharactersDatasetSpec | LeafFemnistSpec;

/** Kinds of {@link CharacterDatasetSpec}. */
export const CHARACTER_DATASET_KINDS: readonly CharacterDatasetSpec['kind'][] = ['synthetic-characters', 'leaf-femnist'];

/**
 * Load (generate or read) a character dataset.
 * @param spec what to load
 * @param opts base folder of relative paths, error prefix
 * @throws DflsimInputError on a bad field, a missing file or folder, or a bad LEAF file (naming the file and field)
 */
export function loadCharacterDataset(
  spec: CharacterDatasetSpec,
  opts: Pick<LoadDatasetOptions, 'baseDir' | 'where'> = {},
): CharacterDataset {
  const where = opts.where ?? 'dataset';
  switch (spec.kind) {
    case 'synthetic-characters': {
      // a smaller mean keeps FEMNIST's spread relative to it (std / mean = 88.9 / 226.8)
      const mean = spec.meanSamplesPerWriter;
      return generateSyntheticCharacters(
        {
          writers: spec.writers,
          seed: spec.seed,
          ...(mean !== undefined
            ? { meanSamplesPerWriter: mean, stdSamplesPerWriter: (mean * FEMNIST_STD_SAMPLES) / FEMNIST_MEAN_SAMPLES }
            : {}),
          ...(spec.digitWeight !== undefined ? { digitWeight: spec.digitWeight } : {}),
        },
        where,
      );
    }
    case 'leaf-femnist':
      return readLeafFemnist(spec.files, opts.baseDir ?? process.cwd(), `${where}.files`, { invert: spec.invert });
    default:
      throw new DflsimInputError(
        `${where}.kind`,
        `unknown character dataset kind "${String((spec as { kind?: unknown }).kind)}" (known: ${CHARACTER_DATASET_KINDS.join(', ')})`,
      );
  }
}
