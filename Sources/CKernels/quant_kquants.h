// quant_kquants.h: private to CKernels. One-super-block K-quant quantizers (quant_kquants.c),
// used by tk_quantize_weights. x: 256 floats; y: one block of the type.
#ifndef TAILOR_QUANT_KQUANTS_H
#define TAILOR_QUANT_KQUANTS_H
#include "tk_internal.h"

void tk_quantize_block_q2_K(const float *x, void *y);
void tk_quantize_block_q3_K(const float *x, void *y);
void tk_quantize_block_q4_K(const float *x, void *y);
void tk_quantize_block_q5_K(const float *x, void *y);
void tk_quantize_block_q6_K(const float *x, void *y);

#endif
