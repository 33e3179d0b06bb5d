// hnsw_search.c: the HNSW search-layer loop (see ckernels_hnsw.h). Two binary heaps with the
// same order and tie-breaking as Retrieval's Swift Heap (candidates: closest first; results:
// worst first; ties by node id), so graphs and results are identical to the Swift loop's.
#include "ckernels_hnsw.h"
#include "ckernels_retrieval.h"
#include "ckernels.h"
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

// Vectors are the f16 traversal copies (768 B at 384 dims). Prefetching whole 1.5 KB f32
// vectors saturated the fill buffers (the prefetches took half of this loop's time). The first
// HNSW_FIRST_LINES lines of every unvisited neighbour are requested together when a node is
// expanded (their misses overlap), lines up to HNSW_PREFETCH_LINES of the next one while a
// distance is computed, and the hardware prefetcher follows each stream.
#define HNSW_FIRST_LINES 2
#define HNSW_PREFETCH_LINES 4
#define HNSW_MAX_LINKS 256  // neighbours taken per batch
static inline void prefetch_lines(const uint16_t *v, int64_t dim, int from, int to) {  // f16 rows: 32 per line
    for (int64_t i = 32 * from; i < dim && i < 32 * to; i += 32) PREFETCH(v + i);
}

int64_t tk_hnsw_search_layer(const float *q, const uint16_t *vectors, int64_t dim,
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
        // The unvisited neighbours, in link order, HNSW_MAX_LINKS at a time (marked now: a link
        // list holds a node once, and marking on the way keeps a repeated id from being taken twice).
        for (int32_t j0 = 1; j0 <= cnt; j0 += HNSW_MAX_LINKS) {
            int32_t todo[HNSW_MAX_LINKS];
            int32_t nt = 0;
            for (int32_t j = j0; j <= cnt && j < j0 + HNSW_MAX_LINKS; j++) {
                const int32_t e = l[j];
                if (visited[e] == tag) continue;
                visited[e] = tag;
                todo[nt++] = e;
            }
            // Start every vector's first lines now, so their misses overlap; the next vector's
            // further lines as each distance is computed.
            for (int32_t k = 0; k < nt; k++) prefetch_lines(vectors + (int64_t)todo[k] * dim, dim, 0, HNSW_FIRST_LINES);
            for (int32_t k = 0; k < nt; k++) {
                const int32_t e = todo[k];
                if (k + 1 < nt) prefetch_lines(vectors + (int64_t)todo[k + 1] * dim, dim, HNSW_FIRST_LINES, HNSW_PREFETCH_LINES);
                const float de = 1 - tk_dot_f32_f16(q, vectors + (int64_t)e * dim, dim);
                if (nr < ef || de < res[0].d) {
                    const tk_hnsw_item x = {de, e};
                    if (!upper) PREFETCH(links + (int64_t)e * stride);  // its links, for when it is expanded
                    cand_push(cand, &nc, x);
                    if (!deleted || !deleted[e]) {
                        res_push(res, &nr, x);
                        if (nr > ef) (void)res_pop(res, &nr);
                    }
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

void tk_hnsw_distances(const float *q, const uint16_t *vectors, int64_t dim, const int32_t *ids, int64_t n, float *out) {
    for (int64_t k = 0; k < n; k++) prefetch_lines(vectors + (int64_t)ids[k] * dim, dim, 0, HNSW_FIRST_LINES);
    for (int64_t k = 0; k < n; k++) {
        if (k + 1 < n) prefetch_lines(vectors + (int64_t)ids[k + 1] * dim, dim, HNSW_FIRST_LINES, HNSW_PREFETCH_LINES);
        out[k] = 1 - tk_dot_f32_f16(q, vectors + (int64_t)ids[k] * dim, dim);
    }
}

int64_t tk_hnsw_select(const tk_hnsw_item *cands, int64_t n, int64_t m, const uint16_t *vectors, int64_t dim,
                       float *row, tk_hnsw_item *out) {
    int64_t kept = 0;
    for (int64_t i = 0; i < n && kept < m; i++) {
        const tk_hnsw_item c = cands[i];
        tk_f16_to_f32_row(vectors + (int64_t)c.n * dim, row, dim);  // exact
        int ok = 1;
        for (int64_t k = 0; k < kept && ok; k++)
            if (!(1 - tk_dot_f32_f16(row, vectors + (int64_t)out[k].n * dim, dim) >= c.d)) ok = 0;
        if (ok) out[kept++] = c;
    }
    return kept;
}
