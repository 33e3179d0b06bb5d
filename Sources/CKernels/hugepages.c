// hugepages.c: anonymous memory for large, long-lived buffers that are streamed or read at
// random (packed model weights, vector indexes), in transparent huge pages where Linux offers
// them (madvise mode: MADV_HUGEPAGE on a 2 MB-aligned mapping). Each 4 KB page is one TLB entry;
// a decode step streams ~100 MB of weights through ~25,000 of them, more than the TLBs hold, so
// the page walks and the hardware prefetcher's stops at 4 KB boundaries cost bandwidth. Small
// buffers share 32 MB chunks (bump allocation, 64-byte aligned) so that a matrix of 70 KB does
// not take a 2 MB page of its own; untouched parts of a chunk are never resident. A chunk is
// unmapped when the last buffer in it is released. Elsewhere (macOS, mmap failure) plain
// aligned_alloc. TAILOR_NO_HUGEPAGES=1 in the environment keeps 4 KB pages (for comparisons).
#include "ckernels.h"
#include <pthread.h>
#include <stdlib.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#define HUGE_PAGE ((size_t)2 << 20)
#define CHUNK ((size_t)32 << 20)

struct tk_huge_chunk {
    uint8_t *base;
    size_t size, used;
    long refs;
};

static pthread_mutex_t huge_lock = PTHREAD_MUTEX_INITIALIZER;
static tk_huge_chunk *huge_current;

#if defined(__linux__)
static uint8_t *map_huge(size_t size) {
    uint8_t *p = mmap(NULL, size + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    uint8_t *a = (uint8_t *)(((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
    if (a > p) munmap(p, (size_t)(a - p));
    const size_t tail = (size_t)(p + size + HUGE_PAGE - (a + size));
    if (tail) munmap(a + size, tail);
#ifdef MADV_HUGEPAGE
    if (!getenv("TAILOR_NO_HUGEPAGES")) madvise(a, size, MADV_HUGEPAGE);  // the variable: for comparisons
#endif
    return a;
}
#endif

void *tk_huge_alloc(size_t bytes, tk_huge_chunk **chunk) {
    *chunk = NULL;
    if (bytes == 0) bytes = 64;
    bytes = (bytes + 63) & ~(size_t)63;
#if defined(__linux__)
    pthread_mutex_lock(&huge_lock);
    tk_huge_chunk *c = huge_current;
    if (!c || c->size - c->used < bytes) {
        const size_t size = bytes > CHUNK ? (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1) : CHUNK;
        tk_huge_chunk *n = malloc(sizeof *n);
        uint8_t *base = n ? map_huge(size) : NULL;
        if (!base) {
            free(n);
            pthread_mutex_unlock(&huge_lock);
            return aligned_alloc(64, bytes);
        }
        n->base = base; n->size = size; n->used = 0; n->refs = 0;
        if (bytes <= CHUNK) huge_current = n;  // a chunk of its own stays out of the bump pool
        c = n;
    }
    void *p = c->base + c->used;
    c->used += bytes;
    c->refs++;
    *chunk = c;
    pthread_mutex_unlock(&huge_lock);
    return p;
#else
    return aligned_alloc(64, bytes);
#endif
}

void tk_huge_release(void *p, tk_huge_chunk *chunk) {
    if (!chunk) { free(p); return; }
#if defined(__linux__)
    pthread_mutex_lock(&huge_lock);
    if (--chunk->refs == 0) {
        if (huge_current == chunk) huge_current = NULL;
        munmap(chunk->base, chunk->size);
        free(chunk);
    }
    pthread_mutex_unlock(&huge_lock);
#endif
}
