// A binary min-heap of timed events: the emulator's scheduler for everything that happens "later"
// in emulated time (operation completions, Resource Graph visibility, scheduled backups).

export interface TimedEvent {
  at: number;
  seq: number;
  run: () => void;
}

export class EventHeap {
  private items: TimedEvent[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.items.length;
  }

  push(at: number, run: () => void): void {
    const event = { at, seq: this.nextSeq++, run };
    this.items.push(event);
    let i = this.items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(this.items[i]!, this.items[parent]!)) break;
      [this.items[i], this.items[parent]] = [this.items[parent]!, this.items[i]!];
      i = parent;
    }
  }

  peek(): TimedEvent | undefined {
    return this.items[0];
  }

  pop(): TimedEvent | undefined {
    const top = this.items[0];
    const last = this.items.pop();
    if (this.items.length > 0 && last) {
      this.items[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < this.items.length && this.before(this.items[left]!, this.items[smallest]!)) smallest = left;
        if (right < this.items.length && this.before(this.items[right]!, this.items[smallest]!)) smallest = right;
        if (smallest === i) break;
        [this.items[i], this.items[smallest]] = [this.items[smallest]!, this.items[i]!];
        i = smallest;
      }
    }
    return top;
  }

  clear(): void {
    this.items = [];
  }

  private before(a: TimedEvent, b: TimedEvent): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }
}
