import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FailureRate } from '../../workflows/failure-rate';

describe('failure-rate threshold', () => {
  it('trips as soon as half of the first 100 attempts have failed', () => {
    const rate = new FailureRate(0.5);
    for (let i = 0; i < 49; i++) assert.equal(rate.record(1, 1), undefined);
    assert.match(rate.record(1, 1)!, /50 of the first 50 objects failed/);
  });
  it('does not trip on a few failures early on', () => {
    const rate = new FailureRate(0.5);
    for (let i = 0; i < 100; i++) assert.equal(rate.record(1, i % 3 === 0 ? 1 : 0), undefined);
  });
  it('trips when half of any later window of 1,000 fails', () => {
    const rate = new FailureRate(0.5);
    assert.equal(rate.record(5000, 0), undefined);
    assert.equal(rate.record(400, 300), undefined);
    assert.match(rate.record(600, 300)!, /600 of the last 1000 objects failed/);
  });
  it('counts a record that straddles the first 100 whole, since its order is unknown', () => {
    const rate = new FailureRate(0.5);
    assert.equal(rate.record(150, 74), undefined);
    const again = new FailureRate(0.5);
    assert.match(again.record(150, 90)!, /90 of the first 150 objects failed/);
  });
  it('counts afresh after a reset (an operator resumed): old failures do not trip it again', () => {
    const rate = new FailureRate(0.5);
    assert.match(rate.record(150, 90)!, /90 of the first 150/);
    assert.match(rate.record(150, 0)!, /90 of the first 150/, 'without a reset the first-100 rule stays tripped');
    rate.reset();
    assert.equal(rate.record(150, 0), undefined);
    assert.equal(rate.state.attempts, 150);
  });
  it('never trips at share 1 (disabled)', () => {
    assert.equal(new FailureRate(1).record(100, 100), undefined);
  });
});

describe('failure-rate state', () => {
  it('carries over to a new instance (continue-as-new): the window spans runs', () => {
    const first = new FailureRate(0.5);
    assert.equal(first.record(5000, 0), undefined);
    assert.equal(first.record(500, 300), undefined);
    const carried = new FailureRate(0.5, JSON.parse(JSON.stringify(first.state)));
    assert.match(carried.record(500, 300)!, /600 of the last 1000 objects failed/);
  });
});
