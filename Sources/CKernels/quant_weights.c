// quant_weights.c: quantizes f32 weights into ggml block types with ggml's reference algorithms
// (quantize_row_*_ref), so blocks match llama-quantize's for Q4_0, Q4_1, Q5_0, Q5_1 and Q8_0.
// Also F16 and BF16 conversion, and the K-quants Q2_K..Q6_K (quant_kquants.c, blocks as llama-quantize
// writes them without an importance matrix).
#include "ckernels.h"
#include "quant_kquants.h"
#include <float.h>
#include <math.h>
#include <string.h>

static void put_f16(uint8_t *p, float v) { uint16_t h = tk_f32_to_f16(v); memcpy(p, &h, 2); }

static void q4_0_block(const float *x, uint8_t *y) {           // {f16 d; u8 qs[16]}
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < 32; j++) if (amax < fabsf(x[j])) { amax = fabsf(x[j]); max = x[j]; }
    const float d = max / -8, id = d ? 1.0f / d : 0.0f;
    put_f16(y, d);
    for (int j = 0; j < 16; j++) {
        const uint8_t a = (uint8_t)fminf(15, (int8_t)(x[j] * id + 8.5f));
        const uint8_t b = (uint8_t)fminf(15, (int8_t)(x[16 + j] * id + 8.5f));
        y[2 + j] = a | (uint8_t)(b << 4);
    }
}

static void q4_1_block(const float *x, uint8_t *y) {           // {f16 d; f16 m; u8 qs[16]}
    float min = FLT_MAX, max = -FLT_MAX;
    for (int j = 0; j < 32; j++) { if (x[j] < min) min = x[j]; if (x[j] > max) max = x[j]; }
    const float d = (max - min) / 15, id = d ? 1.0f / d : 0.0f;
    put_f16(y, d); put_f16(y + 2, min);
    for (int j = 0; j < 16; j++) {
        const uint8_t a = (uint8_t)fminf(15, (int8_t)((x[j] - min) * id + 0.5f));
        const uint8_t b = (uint8_t)fminf(15, (int8_t)((x[16 + j] - min) * id + 0.5f));
        y[4 + j] = a | (uint8_t)(b << 4);
    }
}

static void q5_0_block(const float *x, uint8_t *y) {           // {f16 d; u8 qh[4]; u8 qs[16]}
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < 32; j++) if (amax < fabsf(x[j])) { amax = fabsf(x[j]); max = x[j]; }
    const float d = max / -16, id = d ? 1.0f / d : 0.0f;
    put_f16(y, d);
    uint32_t qh = 0;
    for (int j = 0; j < 16; j++) {
        const uint8_t a = (uint8_t)fminf(31, (int8_t)(x[j] * id + 16.5f));
        const uint8_t b = (uint8_t)fminf(31, (int8_t)(x[16 + j] * id + 16.5f));
        y[6 + j] = (a & 0x0F) | (uint8_t)((b & 0x0F) << 4);
        qh |= ((uint32_t)(a & 0x10) >> 4) << j;
        qh |= ((uint32_t)(b & 0x10) >> 4) << (j + 16);
    }
    memcpy(y + 2, &qh, 4);
}

static void q5_1_block(const float *x, uint8_t *y) {           // {f16 d; f16 m; u8 qh[4]; u8 qs[16]}
    float min = FLT_MAX, max = -FLT_MAX;
    for (int j = 0; j < 32; j++) { if (x[j] < min) min = x[j]; if (x[j] > max) max = x[j]; }
    const float d = (max - min) / 31, id = d ? 1.0f / d : 0.0f;
    put_f16(y, d); put_f16(y + 2, min);
    uint32_t qh = 0;
    for (int j = 0; j < 16; j++) {
        const uint8_t a = (uint8_t)((x[j] - min) * id + 0.5f);
        const uint8_t b = (uint8_t)((x[16 + j] - min) * id + 0.5f);
        y[8 + j] = (a & 0x0F) | (uint8_t)((b & 0x0F) << 4);
        qh |= ((uint32_t)(a & 0x10) >> 4) << j;
        qh |= ((uint32_t)(b & 0x10) >> 4) << (j + 16);
    }
    memcpy(y + 4, &qh, 4);
}

int tk_quantize_weights(int type, const float *x, void *vy, int64_t n) {
    uint8_t *y = vy;
    switch (type) {
    case TK_F32: memcpy(y, x, (size_t)n * 4); return 0;
    case TK_F16: tk_f32_to_f16_row(x, (uint16_t *)y, n); return 0;
    case TK_BF16: tk_f32_to_bf16_row(x, (uint16_t *)y, n); return 0;
    case TK_Q8_0: if (n % 32) return -1; tk_quantize_row_q8_0_ref(x, y, n); return 0;
    default: break;
    }
    void (*kblk)(const float *, void *) = NULL;
    int kbytes = 0;
    switch (type) {
    case TK_Q2_K: kblk = tk_quantize_block_q2_K; kbytes = 84; break;
    case TK_Q3_K: kblk = tk_quantize_block_q3_K; kbytes = 110; break;
    case TK_Q4_K: kblk = tk_quantize_block_q4_K; kbytes = 144; break;
    case TK_Q5_K: kblk = tk_quantize_block_q5_K; kbytes = 176; break;
    case TK_Q6_K: kblk = tk_quantize_block_q6_K; kbytes = 210; break;
    default: break;
    }
    if (kblk) {
        if (n % 256) return -1;
        for (int64_t i = 0; i < n / 256; i++) kblk(x + i * 256, y + i * kbytes);
        return 0;
    }
    void (*blk)(const float *, uint8_t *) = NULL;
    int bytes = 0;
    switch (type) {
    case TK_Q4_0: blk = q4_0_block; bytes = 18; break;
    case TK_Q4_1: blk = q4_1_block; bytes = 20; break;
    case TK_Q5_0: blk = q5_0_block; bytes = 22; break;
    case TK_Q5_1: blk = q5_1_block; bytes = 24; break;
    default: return -1;
    }
    if (n % 32) return -1;
    for (int64_t i = 0; i < n / 32; i++) blk(x + i * 32, y + i * bytes);
    return 0;
}
