import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { consumers, freshnesses, intakes, recommend, recommendedForms, rules } from '../../src/interview/rules.js';
import { repoRoot } from '../support/cli.js';

describe('the consumer → delivery rules', () => {
  it.each([
    ['service', 'realtime', 'api'],
    ['service', 'daily', 'table'],
    ['service', 'weekly', 'table'],
    ['people', 'realtime', 'api'],
    ['people', 'daily', 'csv'],
    ['people', 'weekly', 'csv'],
    ['analysts', 'realtime', 'table'],
    ['analysts', 'daily', 'table'],
    ['analysts', 'weekly', 'table'],
  ] as const)('%s needing %s predictions get %s', (consumer, freshness, delivery) => {
    const recommendation = recommend(consumer, freshness);
    expect(recommendation.delivery).toBe(delivery);
    expect(recommendation.reasons).toHaveLength(1);
    expect(recommendation.reasons[0]?.length).toBeGreaterThan(40);
  });

  it('tells people working through a daily list that a CSV drop beats an API', () => {
    expect(recommend('people', 'daily').reasons[0]).toMatch(/list.*CSV.*not an API/);
  });

  it('refines the reasons with how the consumer takes data in, without changing the form', () => {
    for (const consumer of consumers) {
      for (const freshness of freshnesses) {
        const plain = recommend(consumer, freshness);
        for (const intake of intakes) {
          const refined = recommend(consumer, freshness, intake);
          expect(refined.delivery).toBe(plain.delivery);
          expect(refined.reasons).toHaveLength(2);
          expect(refined.reasons[0]).toBe(plain.reasons[0]);
        }
      }
    }
  });

  it('suggests the matching override when the intake disagrees with the form', () => {
    expect(recommend('people', 'daily', 'database').reasons[1]).toContain('--delivery table');
    expect(recommend('service', 'realtime', 'files').reasons[1]).toContain('--delivery csv');
    expect(recommend('analysts', 'daily', 'database').reasons[1]).toMatch(/already read from a database/);
  });

  it('only recommends forms the built-in templates offer', () => {
    const registry = JSON.parse(fs.readFileSync(path.join(repoRoot, 'templates', 'registry.json'), 'utf8')) as { delivery: object };
    for (const form of recommendedForms) expect(Object.keys(registry.delivery)).toContain(form);
  });

  it('is the table the README shows', () => {
    const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    for (const consumer of consumers) {
      for (const freshness of freshnesses) {
        const row = `| ${consumer} | ${freshness} | ${rules[consumer][freshness].delivery} |`;
        expect(readme, `README lacks the row ${row}`).toContain(row);
      }
    }
  });
});
