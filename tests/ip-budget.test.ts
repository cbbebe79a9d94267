// The per-IP budget's bookkeeping, by its own clock: what the routes' tests cannot reach in time.

import { describe, expect, test } from "bun:test";
import { ipBudget } from "../src/web/ip-budget";

describe("the per-IP budget's memory", () => {
  test("an exhausted IP stays refused after 10,000 other addresses, which evict only full buckets", () => {
    const clock = { now: 0 };
    const budget = ipBudget(3, () => clock.now);
    for (let i = 0; i < 3; i++) expect(budget.spend("203.0.113.7")).toBeNull();
    expect(budget.spend("203.0.113.7")).toBe(20);
    for (let i = 0; i < 10_000; i++) budget.spend(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
    clock.now += 1_000; // no refill to speak of
    expect(budget.spend("203.0.113.7")).not.toBeNull();
  });

  test("an hour idle refills to the limit, not past it", () => {
    const clock = { now: 0 };
    const budget = ipBudget(3, () => clock.now);
    for (let i = 0; i < 3; i++) budget.spend("203.0.113.8");
    clock.now += 60 * 60_000;
    for (let i = 0; i < 3; i++) expect(budget.spend("203.0.113.8")).toBeNull();
    expect(budget.spend("203.0.113.8")).toBe(20);
  });
});
