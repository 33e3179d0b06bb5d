// ckernels_hnsw.h: the HNSW search-layer loop (hnsw_search.c), the hot path of both HNSW insertion
// and queries, in C so that distances, visited marks and the two heaps run without Swift's
// bounds, exclusivity and reference-count checks, with the next neighbour's vector prefetched
// (as hnswlib does). Distances are 1 - dot (unit vectors). Limits: no per-id filter (the Swift
// loop handles filtered searches).
#ifndef TAILOR_CKERNELS_HNSW_H
#define TAILOR_CKERNELS_HNSW_H
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// One (distance, node) pair.
typedef struct { float d; int32_t n; } tk_hnsw_item;

/// Algorithm 2 of Malkov & Yashunin on one level: starting from the `n_entries` entries (all
/// marked visited with `tag` first), the `ef` closest nodes to `q`, returned in `out` sorted by
/// (distance, node) ascending; returns their count. Distances are 1 - dot(q, f16 vector)
/// (tk_dot_f32_f16). Node e's links are `links[e*stride]` (count)
/// then ids, or, for upper levels, `upper[e] + upper_base` in the same form. `vectors` holds
/// `dim` f16 values per node; `visited` one word per node; `deleted` (NULL: none) one byte per node —
/// deleted nodes route but never enter the result. `cand` needs room for every node that can be
/// visited (node count + n_entries); `res` and `out` for max(ef, n_entries) + 1 items.
int64_t tk_hnsw_search_layer(const float *q, const uint16_t *vectors, int64_t dim,
                             const int32_t *links, int64_t stride, const int32_t *const *upper, int64_t upper_base,
                             uint32_t *visited, uint32_t tag, const uint8_t *deleted,
                             const tk_hnsw_item *entries, int64_t n_entries, int64_t ef,
                             tk_hnsw_item *cand, tk_hnsw_item *res, tk_hnsw_item *out);

/// out[i] = 1 - dot(q, vectors[ids[i]]) for i < n, with the first lines of every vector
/// requested up front so their cache misses overlap (neighbour-list updates read vectors that
/// the search did not touch).
void tk_hnsw_distances(const float *q, const uint16_t *vectors, int64_t dim, const int32_t *ids, int64_t n, float *out);

/// Algorithm 4 (hnswlib's getNeighborsByHeuristic2) over f16 vectors: from `cands` sorted
/// closest first, keep a candidate only if it is closer to the base (its .d) than to every
/// candidate kept so far (node-to-node distances on both f16 copies), at most m; writes the
/// kept ones to `out` in order and returns their count. `row` is scratch of dim floats.
int64_t tk_hnsw_select(const tk_hnsw_item *cands, int64_t n, int64_t m, const uint16_t *vectors, int64_t dim,
                       float *row, tk_hnsw_item *out);

#ifdef __cplusplus
}
#endif
#endif
