// The pages running now: what each holds, the KMS-queue lanes each may use, and the pages a run inherited.
import { condition, getExternalWorkflowHandle } from '@temporalio/workflow';
import { pageNumberOf } from '../../common/types';
import { s3Activities } from '../activity-proxies';
import { kmsLanesOfPage } from '../kms-lanes';
import { kmsLanesSignal } from '../messages';
import type { PageHeld } from '../types';

export class PagesInFlight {
  /** Pages the previous run handed over: this run holds no child handle of them. */
  private readonly inherited: ReadonlySet<string>;

  /** `held` is the coordinator's state, carried across continue-as-new: pages in the order they started. */
  constructor(private readonly held: Record<string, PageHeld>) {
    this.inherited = new Set(Object.keys(held));
  }

  get ids(): string[] {
    return Object.keys(this.held);
  }

  get size(): number {
    return this.ids.length;
  }

  has(pageId: string): boolean {
    return pageId in this.held;
  }

  add(pageId: string, objects: PageHeld): void {
    this.held[pageId] = objects;
  }

  /** Removes a page that ended: what it held, or undefined if it was not in flight (not ours, or counted). */
  remove(pageId: string): PageHeld | undefined {
    const held = this.held[pageId];
    delete this.held[pageId];
    return held;
  }

  /**
   * The migration's KMS-queue batches at the budget in force, shared over its pages (workflows/kms-lanes.ts).
   * While the listing goes on, over --pages-in-flight slots by page number: the pages in flight, consecutive,
   * add up to the migration's share, and a page that ends and the next that starts change nobody's. Once it
   * is done, over the pages left.
   */
  lanesOf(pageId: string, budgetRps: number, listingDone: boolean, pagesInFlight: number): number {
    if (!listingDone) return kmsLanesOfPage(budgetRps, pageNumberOf(pageId), pagesInFlight);
    return kmsLanesOfPage(budgetRps, this.ids.indexOf(pageId), this.size);
  }

  /**
   * Tells each running page whose share changed (the budget, the listing's end, a page that ended), pages
   * handed over by an earlier run included.
   */
  shareLanes(budgetRps: number, listingDone: boolean, pagesInFlight: number): void {
    for (const [id, page] of Object.entries(this.held)) {
      const lanes = this.lanesOf(id, budgetRps, listingDone, pagesInFlight);
      if (page.kmsLanes === lanes) continue;
      if (page.kmsLanes !== undefined)
        getExternalWorkflowHandle(id)
          .signal(kmsLanesSignal, lanes)
          .catch(() => undefined);
      page.kmsLanes = lanes;
    }
  }

  /**
   * Asks Temporal now and then whether an inherited page closed without reporting (backing off, and not while
   * paused: none finishes then), and hands each such page to `ended`.
   */
  async watchInherited(paused: () => boolean, ended: (pageId: string, why: string) => void): Promise<void> {
    const left = () => this.ids.filter((id) => this.inherited.has(id));
    for (let wait = 5_000; left().length > 0; wait = Math.min(wait * 2, 120_000)) {
      const count = left().length;
      if (await condition(() => left().length < count, wait)) wait = 2_500; // one reported: the rest may be near
      await condition(() => !paused());
      if (left().length === 0) return;
      for (const { pageId, status } of await s3Activities.closedPages({ pageIds: left() }))
        ended(pageId, `it is ${status.toLowerCase()}`);
    }
  }
}
