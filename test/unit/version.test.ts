import { describe, expect, it } from 'vitest';
import { compareVersions } from '../../src/answers.js';

describe('version comparison, by semver', () => {
  it.each([
    ['1.0.0-rc.10', '1.0.0-rc.9', 1],
    ['1.0.0-rc.9', '1.0.0', -1],
    ['1.0.0+build.5', '1.0.0', 0],
    ['1.0.0-alpha', '1.0.0-alpha.1', -1],
    ['1.0.0-beta.11', '1.0.0-beta.2', 1],
    ['0.10.0', '0.9.9', 1],
  ])('%s against %s: %i', (a, b, expected) => {
    expect(compareVersions(a, b)).toBe(expected);
  });

  it('refuses what is not a version', () => {
    expect(() => compareVersions('banana', '1.0.0')).toThrow(/"banana" is not a version/);
  });
});
