// What the guard found in one request: per type, direction and action, a
// count and where (field path and character range) — never the value.
import type { Action, Direction } from './actions.js';
import type { Category } from './detectors/types.js';

export interface Finding {
  type: string;
  /** `unscanned`: a request body too large to scan (type `UNSCANNED`). */
  category: Category | 'unscanned';
  direction: Direction;
  action: Action;
  count: number;
  /** `contents[0].parts[0].text[12:31]`; at most MAX_LOCATIONS. */
  locations: string[];
  /** Prompt injection only: the heuristic's score and the signals that fired. */
  score?: number;
  signals?: string[];
}

const MAX_LOCATIONS = 10;

export class Findings {
  private readonly byKey = new Map<string, Finding>();

  add(type: string, category: Finding['category'], direction: Direction, action: Action, location: string): Finding {
    const key = `${direction}\0${type}\0${action}`;
    let f = this.byKey.get(key);
    if (!f) {
      f = { type, category, direction, action, count: 0, locations: [] };
      this.byKey.set(key, f);
    }
    f.count++;
    if (f.locations.length < MAX_LOCATIONS) f.locations.push(location);
    return f;
  }

  get list(): Finding[] {
    return [...this.byKey.values()];
  }

  blocked(direction: Direction): string[] {
    return [...new Set(this.list.filter((f) => f.direction === direction && f.action === 'block').map((f) => f.type))];
  }
}
