// grad_optim.c: optimizer updates over one parameter tensor, elementwise, f32, in the operation
// order of torch.optim's single-tensor (for-loop) implementations so results agree to rounding.
// Scalars that PyTorch computes in Python floats (bias corrections, step sizes) come in from the
// caller already computed in double and rounded to f32 as PyTorch does.
#include "ckernels.h"
#include <math.h>

void tk_adamw_step(float *p, const float *g, float *m, float *v, int64_t n, float decay_mul, float beta1_w,
                   float beta2, float one_minus_beta2, float step_size, float bc2_sqrt, float eps) {
    for (int64_t i = 0; i < n; i++) {
        p[i] *= decay_mul;                                   // param.mul_(1 - lr * wd)
        const float gi = g[i];
        const float d = gi - m[i];                           // exp_avg.lerp_(grad, 1 - beta1)
        m[i] = beta1_w < 0.5f ? m[i] + beta1_w * d : gi - d * (1.0f - beta1_w);
        v[i] = v[i] * beta2 + one_minus_beta2 * gi * gi;     // exp_avg_sq.mul_(b2).addcmul_(g, g, 1 - b2)
        const float denom = sqrtf(v[i]) / bc2_sqrt + eps;    // (exp_avg_sq.sqrt() / bc2_sqrt).add_(eps)
        p[i] += -step_size * (m[i] / denom);                 // param.addcdiv_(exp_avg, denom, -step_size)
    }
}

void tk_sgd_step(float *p, const float *g, float *buf, int64_t n, float lr, float momentum, float dampening,
                 float weight_decay, int nesterov, int first) {
    for (int64_t i = 0; i < n; i++) {
        float d = g[i];
        if (weight_decay != 0.0f) d = d + weight_decay * p[i];          // grad.add(param, alpha=wd)
        if (momentum != 0.0f) {
            buf[i] = first ? d : buf[i] * momentum + (1.0f - dampening) * d;
            d = nesterov ? d + momentum * buf[i] : buf[i];
        }
        p[i] += -lr * d;                                                // param.add_(grad, alpha=-lr)
    }
}
