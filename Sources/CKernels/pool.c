// pool.c: persistent worker threads for tk_pool_run. The caller runs index 0; workers spin on a
// generation counter for a short while (low wake latency between back-to-back matmuls), then
// sleep on a futex (Linux) or condition variable (elsewhere). Each index is claimed with a CAS
// on (generation, bit mask); once the caller is done with index 0 it claims and runs any index
// whose worker has not started yet, so a descheduled worker (busy machine) never stalls a job.
// No allocation per run.
// Limits: at most 32 threads; one job at a time, run from one thread; no nesting; fn must not
// call tk_pool_run, and must not assume index i runs on a particular thread.
#include "tk_internal.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#endif
#if defined(__x86_64__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#elif defined(__aarch64__)
#define cpu_relax() __asm__ __volatile__("yield")
#else
#define cpu_relax() ((void)0)
#endif

#define SPIN_NS 100000  // how long a waiter polls before sleeping (0.1 ms)
#define MAX_THREADS 32

struct tk_pool {
    int n;
    pthread_t *threads;
    tk_task_fn fn;
    void *ctx;
    _Atomic uint32_t gen;      // bumped once per job; workers wait for it to change
    _Atomic uint64_t job;      // gen << 32 | mask of claimed indices
    _Atomic uint32_t ndone;    // indices finished in the current job
    _Atomic int sleepers;      // workers blocked (or about to block) on gen
    _Atomic int caller_sleeping;
    _Atomic int stop;
#if !defined(__linux__)
    pthread_mutex_t mu;
    pthread_cond_t cv;
#endif
};

typedef struct { tk_pool *pool; int ith; } worker_arg;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/// Polls *word until it differs from `seen`, for up to SPIN_NS. Returns the new value or `seen`.
static uint32_t spin_while_equal(_Atomic uint32_t *word, uint32_t seen) {
    uint64_t t0 = 0;
    for (int i = 0;; i++) {
        uint32_t v = atomic_load_explicit(word, memory_order_acquire);
        if (v != seen) return v;
        cpu_relax();
        if ((i & 63) == 63) {
            uint64_t t = now_ns();
            if (!t0) t0 = t;
            else if (t - t0 > SPIN_NS) return seen;
        }
    }
}

#if defined(__linux__)
static void sleep_while_equal(tk_pool *p, _Atomic uint32_t *word, uint32_t seen) {
    (void)p;
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, seen, NULL, NULL, 0);
}
static void wake_all(tk_pool *p, _Atomic uint32_t *word) {
    (void)p;
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, 0x7fffffff, NULL, NULL, 0);
}
#else
static void sleep_while_equal(tk_pool *p, _Atomic uint32_t *word, uint32_t seen) {
    pthread_mutex_lock(&p->mu);
    while (atomic_load(word) == seen) pthread_cond_wait(&p->cv, &p->mu);
    pthread_mutex_unlock(&p->mu);
}
static void wake_all(tk_pool *p, _Atomic uint32_t *word) {
    (void)word;
    pthread_mutex_lock(&p->mu);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}
#endif

/// Claims index i of job generation g; 1 if this caller got it.
static int claim(tk_pool *p, uint32_t g, int i) {
    uint64_t j = atomic_load(&p->job);
    const uint64_t bit = (uint64_t)1 << i;
    while ((uint32_t)(j >> 32) == g && !(j & bit))
        if (atomic_compare_exchange_weak(&p->job, &j, j | bit)) return 1;
    return 0;
}

static void finish_one(tk_pool *p) {
    if (atomic_fetch_add(&p->ndone, 1) + 1 == (uint32_t)p->n && atomic_load(&p->caller_sleeping))
        wake_all(p, &p->ndone);
}

static void *worker_main(void *varg) {
    worker_arg *arg = varg;
    tk_pool *p = arg->pool;
    const int ith = arg->ith;
    free(arg);
    uint32_t seen = 0;
    for (;;) {
        uint32_t g = spin_while_equal(&p->gen, seen);
        while (g == seen) {
            atomic_fetch_add(&p->sleepers, 1);
            if (atomic_load(&p->gen) == seen) sleep_while_equal(p, &p->gen, seen);
            atomic_fetch_sub(&p->sleepers, 1);
            g = atomic_load_explicit(&p->gen, memory_order_acquire);
        }
        seen = g;
        if (atomic_load(&p->stop)) return NULL;
        if (claim(p, g, ith)) {  // fn/ctx stay fixed until all indices of job g are done
            p->fn(p->ctx, ith, p->n);
            finish_one(p);
        }
    }
}

tk_pool *tk_pool_create(int nthreads) {
    if (nthreads <= 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        nthreads = c > 0 ? (int)c : 1;
    }
    if (nthreads > MAX_THREADS) nthreads = MAX_THREADS;
    tk_pool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->n = nthreads;
#if !defined(__linux__)
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
#endif
    if (nthreads > 1) {
        p->threads = calloc((size_t)nthreads, sizeof(pthread_t));
        for (int i = 1; i < nthreads; i++) {
            worker_arg *a = malloc(sizeof *a);
            a->pool = p;
            a->ith = i;
            if (pthread_create(&p->threads[i], NULL, worker_main, a) != 0) {
                free(a);
                p->n = i;  // run with the threads we got
                break;
            }
        }
    }
    return p;
}

void tk_pool_destroy(tk_pool *p) {
    if (!p) return;
    if (p->n > 1) {
        atomic_store(&p->stop, 1);
        atomic_fetch_add(&p->gen, 1);
        wake_all(p, &p->gen);
        for (int i = 1; i < p->n; i++) pthread_join(p->threads[i], NULL);
    }
#if !defined(__linux__)
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
#endif
    free(p->threads);
    free(p);
}

int tk_pool_size(const tk_pool *p) { return p ? p->n : 1; }

void tk_pool_run(tk_pool *p, tk_task_fn fn, void *ctx) {
    if (!p || p->n <= 1) { fn(ctx, 0, 1); return; }
    const uint32_t g = atomic_load_explicit(&p->gen, memory_order_relaxed) + 1;
    p->fn = fn;
    p->ctx = ctx;
    atomic_store(&p->ndone, 0);
    atomic_store(&p->job, (uint64_t)g << 32 | 1);  // index 0 is the caller's
    atomic_store(&p->gen, g);  // seq_cst: publishes the job, ordered before reading sleepers
    if (atomic_load(&p->sleepers) > 0) wake_all(p, &p->gen);
    fn(ctx, 0, p->n);
    atomic_fetch_add(&p->ndone, 1);
    for (int i = 1; i < p->n; i++) {  // take over indices no worker has started
        if (claim(p, g, i)) {
            fn(ctx, i, p->n);
            atomic_fetch_add(&p->ndone, 1);
        }
    }
    const uint32_t n = (uint32_t)p->n;
    uint32_t done = atomic_load_explicit(&p->ndone, memory_order_acquire);
    while (done != n) {
        done = spin_while_equal(&p->ndone, done);
        if (done == n) break;
        atomic_store(&p->caller_sleeping, 1);
        done = atomic_load(&p->ndone);
        if (done != n) sleep_while_equal(p, &p->ndone, done);
        atomic_store(&p->caller_sleeping, 0);
        done = atomic_load_explicit(&p->ndone, memory_order_acquire);
    }
}
