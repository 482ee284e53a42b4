/**
 * The memory the decoder's kernels work in: a WebAssembly.Memory (or a plain ArrayBuffer for the TypeScript
 * kernels) with a bump allocator that is reset per decode, so a warm decoder allocates nothing. Growing the memory
 * detaches old views, so callers always read through `f32`/`i32` (refreshed after growth) and never keep views
 * across an `alloc`.
 */
export interface WasmMemoryLike {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

const PAGE = 65536;

export class KernelHeap {
  private top = 0;
  private f32View: Float32Array;
  private i32View: Int32Array;
  private u8View: Uint8Array;
  private f64View: Float64Array;
  readonly memory: WasmMemoryLike;
  constructor(memory: WasmMemoryLike) {
    this.memory = memory;
    this.f32View = new Float32Array(memory.buffer);
    this.i32View = new Int32Array(memory.buffer);
    this.u8View = new Uint8Array(memory.buffer);
    this.f64View = new Float64Array(memory.buffer);
  }

  /** A heap on a growable ArrayBuffer (for the TypeScript kernels). */
  static plain(initialBytes = 16 * PAGE): KernelHeap {
    let buffer = new ArrayBuffer(initialBytes);
    const memory: WasmMemoryLike = {
      get buffer() {
        return buffer;
      },
      grow(pages: number) {
        const old = buffer.byteLength / PAGE;
        const next = new ArrayBuffer(buffer.byteLength + pages * PAGE);
        new Uint8Array(next).set(new Uint8Array(buffer));
        buffer = next;
        return old;
      },
    };
    return new KernelHeap(memory);
  }

  /** Views of the whole memory; only `alloc` grows it, and it refreshes them (reading `memory.buffer` is slow). */
  get f32(): Float32Array {
    return this.f32View;
  }

  get i32(): Int32Array {
    return this.i32View;
  }

  get u8(): Uint8Array {
    return this.u8View;
  }

  get f64(): Float64Array {
    return this.f64View;
  }

  private refresh(): void {
    const b = this.memory.buffer;
    this.f32View = new Float32Array(b);
    this.i32View = new Int32Array(b);
    this.u8View = new Uint8Array(b);
    this.f64View = new Float64Array(b);
  }

  /** Bytes in use since the last reset. */
  get used(): number {
    return this.top;
  }

  /** `bytes` of memory, 16-byte aligned (contents undefined). Returns the byte offset; views read before are stale. */
  alloc(bytes: number): number {
    const at = this.top;
    this.top = (at + bytes + 15) & ~15;
    const have = this.u8View.byteLength;
    if (this.top > have) {
      this.memory.grow(Math.ceil((this.top - have) / PAGE));
      this.refresh();
    }
    return at;
  }

  /** Frees everything allocated since `mark` (a value of `used`). */
  release(mark: number): void {
    this.top = mark;
  }
}
