import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { queryWantsSse, splitPath } from '../../src/providers/url.js';

describe('splitPath', () => {
  const cases: [string, string[] | undefined][] = [
    ['', []],
    ['/', []],
    ['/a/b', ['a', 'b']],
    ['a/b/', ['a', 'b']],
    ['//a///b//', ['a', 'b']],
    ['/a%40b/c%3Ad', ['a@b', 'c:d']],
    ['/a/./b', undefined],
    ['/a/../b', undefined],
    ['/a/%2E%2E/b', undefined],
    ['/a/%2e/b', undefined],
    ['/a%2Fb', undefined],
    ['/a%zz', undefined],
    ['/a%', undefined],
    ['/...', ['...']],
    ['/' + Array(32).fill('s').join('/'), Array(32).fill('s')],
    ['/' + Array(33).fill('s').join('/'), undefined],
  ];
  for (const [path, want] of cases) {
    it(JSON.stringify(path.slice(0, 40)), () => assert.deepStrictEqual(splitPath(path), want));
  }
});

describe('queryWantsSse', () => {
  const cases: [string, boolean][] = [
    ['', false],
    ['alt=sse', true],
    ['$alt=sse', true],
    ['%24alt=sse', true],
    ['alt=sse;enum-encoding=int', true],
    ['$alt=json;enum-encoding=int', false],
    ['alt=json', false],
    ['alt=SSE', false],
    ['alt=sse2', false],
    ['xalt=sse', false],
    ['a=1&alt=sse&b=2', true],
    ['alt=sse&alt=json', false],
    ['alt=json&$alt=sse', true],
    ['alt', false],
    ['alt=', false],
    ['q=alt=sse', false],
  ];
  for (const [q, want] of cases) {
    it(JSON.stringify(q), () => assert.equal(queryWantsSse(q), want));
  }
});
