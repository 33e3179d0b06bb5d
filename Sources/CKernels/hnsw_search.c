// hnsw_search.c: the HNSW search-layer loop (see ckernels_hnsw.h). Two binary heaps with the
// same order and tie-breaking as Retrieval's Swift Heap (candidates: closest first; results:
// worst first; ties by node id), so graphs and results are identical to the Swift loop's.
#include "ckernels_hnsw.h"
#include "ckernels_retrieval.h"
#if defined(__x86_64__)
#include <immintrin.h>
#define PREFETCH(p) _mm_prefetch((const char *)(p), _MM_HINT_T0)
#else
#define PREFETCH(p) __builtin_prefetch(p)
#endif

// a above b: min-first (candidates) or max-first (results)
static inline int above_min(tk_hnsw_item a, tk_hnsw_item b) { return a.d < b.d || (a.d == b.d && a.n < b.n); }
static inline int above_max(tk_hnsw_item a, tk_hnsw_item b) { return a.d > b.d || (a.d == b.d && a.n > b.n); }

#define HEAP_FUNCS(NAME, ABOVE)                                                                          \
    static inline void NAME##_push(tk_hnsw_item *h, int64_t *n, tk_hnsw_item x) {                      \
        int64_t i = (*n)++;                                                                              \
        h[i] = x;                                                                                        \
        while (i > 0) {                                                                                  \
            int64_t p = (i - 1) / 2;                                                                     \
            if (!ABOVE(h[i], h[p])) break;                                                               \
            tk_hnsw_item t = h[i]; h[i] = h[p]; h[p] = t; i = p;                                         \
        }                                                                                                \
    }                                                                                                    \
    static inline tk_hnsw_item NAME##_pop(tk_hnsw_item *h, int64_t *n) {                                \
        tk_hnsw_item top = h[0], last = h[--(*n)];                                                       \
        if (*n > 0) {                                                                                    \
            h[0] = last;                                                                                 \
            int64_t i = 0;                                                                               \
            for (;;) {                                                                                   \
                int64_t l = 2 * i + 1, r = l + 1, b = i;                                                 \
                if (l < *n && ABOVE(h[l], h[b])) b = l;                                                  \
                if (r < *n && ABOVE(h[r], h[b])) b = r;                                                  \
                if (b == i) break;                                                                       \
                tk_hnsw_item t = h[i]; h[i] = h[b]; h[b] = t; i = b;                                     \
            }                                                                                            \
        }                                                                                                \
        return top;                                                                                      \
    }
HEAP_FUNCS(cand, above_min)
HEAP_FUNCS(res, above_max)

// Prefetching a whole 1.5 KB vector saturates the fill buffers (the prefetches themselves took
// half of this loop's time at 384 dims); the first 6 lines (a 2/4/6/all sweep on 50k vectors:
// 6 built fastest) start the stream and the hardware
// prefetcher follows it.
#define HNSW_PREFETCH_LINES 6
static inline void prefetch_vector(const float *v, int64_t dim) {
    for (int64_t i = 0; i < dim && i < 16 * HNSW_PREFETCH_LINES; i += 16) PREFETCH(v + i);
}

int64_t tk_hnsw_search_layer(const float *q, const float *vectors, int64_t dim,
                             const int32_t *links, int64_t stride, const int32_t *const *upper, int64_t upper_base,
                             uint32_t *visited, uint32_t tag, const uint8_t *deleted,
                             const tk_hnsw_item *entries, int64_t n_entries, int64_t ef,
                             tk_hnsw_item *cand, tk_hnsw_item *res, tk_hnsw_item *out) {
    int64_t nc = 0, nr = 0;
    for (int64_t i = 0; i < n_entries; i++) {
        visited[entries[i].n] = tag;
        cand_push(cand, &nc, entries[i]);
        if (!deleted || !deleted[entries[i].n]) res_push(res, &nr, entries[i]);
    }
    while (nc > 0) {
        const tk_hnsw_item c = cand_pop(cand, &nc);
        if (nr >= ef && c.d > res[0].d) break;
        const int32_t *l = upper ? upper[c.n] + upper_base : links + (int64_t)c.n * stride;
        const int32_t cnt = l[0];
        for (int32_t j = 1; j <= cnt; j++) PREFETCH(visited + l[j]);
        int32_t next = 1;  // the next unvisited neighbour, whose whole vector is prefetched
        while (next <= cnt && visited[l[next]] == tag) next++;
        if (next <= cnt) prefetch_vector(vectors + (int64_t)l[next] * dim, dim);
        for (int32_t j = 1; j <= cnt; j++) {
            const int32_t e = l[j];
            if (j < next) continue;  // skipped above: already visited
            next = j + 1;
            while (next <= cnt && visited[l[next]] == tag) next++;
            if (next <= cnt) prefetch_vector(vectors + (int64_t)l[next] * dim, dim);
            if (visited[e] == tag) continue;
            visited[e] = tag;
            const float de = 1 - tk_dot_f32(q, vectors + (int64_t)e * dim, dim);
            if (nr < ef || de < res[0].d) {
                const tk_hnsw_item x = {de, e};
                cand_push(cand, &nc, x);
                if (!deleted || !deleted[e]) {
                    res_push(res, &nr, x);
                    if (nr > ef) (void)res_pop(res, &nr);
                }
            }
        }
    }
    // the result heap pops worst first (ties: larger node first): filling from the back gives
    // (distance, node) ascending
    const int64_t count = nr;
    for (int64_t i = count - 1; i >= 0; i--) out[i] = res_pop(res, &nr);
    return count;
}
