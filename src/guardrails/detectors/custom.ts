// Detectors from config: a name and a regular expression (JavaScript syntax).
import { regexDetector, type Detector } from './types.js';

export interface CustomDetectorSpec {
  name: string;
  pattern: string;
  ignoreCase: boolean;
}

/** The finding type a custom detector reports: its name, upper-cased, `-` and `.` as `_`. */
export function customType(name: string): string {
  return name.toUpperCase().replace(/[-.]/g, '_');
}

/** Throws SyntaxError on a bad pattern; the caller reports it against the config. */
export function customDetector(spec: CustomDetectorSpec): Detector {
  return regexDetector(customType(spec.name), 'custom', new RegExp(spec.pattern, spec.ignoreCase ? 'gi' : 'g'));
}
