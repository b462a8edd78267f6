/*
 * Compiled kernel for pgcore.algorithms.reinforce (optional).
 *
 * Episodic REINFORCE on a finite MDP with a linear-softmax policy, for many
 * independent runs. It does exactly what the pure-numpy fallback
 * pgcore.algorithms._reinforce_numpy does, operation by operation, drawing the
 * same random numbers: each run r reads uniforms in [0, 1) from its own numpy
 * bit generator (rng_next[r](rng_states[r]), numpy's documented ctypes
 * interface), one for each random choice: the start state (unless certain),
 * then at every step the action and the next state (unless certain). Its own
 * exp() and a fixed order of every sum make the results bit-for-bit equal to
 * the fallback's (the tests check this on whole studies).
 *
 * Python loads this file with ctypes (pgcore/_kernels.py). It is built as a
 * regular extension module so that setuptools can compile it at install time;
 * the module object itself is empty.
 *
 * Per episode of run r, with theta held fixed while the episode is sampled
 * (and, unless per_step is set, while its update is computed):
 *   G_t   = R_{t+1} + gamma G_{t+1}                        (backward pass)
 *   delta = G_t - w . xw(S_t)           (w = 0 without baseline)
 *   w    += alpha_w * delta * xw(S_t)   (sequentially, as in Sutton & Barto 13.4)
 *   g    += gamma^t * delta * (x(S_t, A_t) - sum_b pi(b|S_t) x(S_t, b))
 *   theta += alpha * g                                      (once per episode)
 * With per_step set, each term is added to theta at once, its score computed
 * at the current theta (Sutton & Barto's boxed algorithm taken literally).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* No fused multiply-add: every product and sum is rounded on its own, exactly
 * as numpy does it, so the numpy fallback can reproduce this file bit for bit. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

typedef double (*pg_next_double)(void *);

/* exp(x) for x <= 0, the same arithmetic as pgcore.algorithms._exp_nonpositive:
 * x = k ln2 + r with |r| <= ln2 / 2 (Cody-Waite), a degree-13 Taylor
 * polynomial for exp(r) in Horner form, times 2^k. Within about an ulp of
 * the true value; libm's exp and numpy's may differ from each other in the
 * last bit, which is why neither is used here. */
static const double PG_LN2_HI = 6.93147180369123816490e-01;
static const double PG_LN2_LO = 1.90821492927058770002e-10;
static const double PG_INV_LN2 = 1.44269504088896338700e+00;
static const double PG_EXP_C[14] = {
    1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040, 1.0 / 40320,
    1.0 / 362880, 1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600, 1.0 / 6227020800.0,
};

static double pg_exp_nonpositive(double x)
{
    double k, r, p;
    int i;
    if (x != x) return x;       /* NaN */
    if (x < -745.5) return 0.0; /* below the smallest subnormal */
    k = nearbyint(x * PG_INV_LN2);
    r = (x - k * PG_LN2_HI) - k * PG_LN2_LO;
    p = PG_EXP_C[13];
    for (i = 12; i >= 0; i--) p = p * r + PG_EXP_C[i];
    return ldexp(p, (int)k);
}


#if defined(_WIN32)
#define PG_EXPORT __declspec(dllexport)
#else
#define PG_EXPORT __attribute__((visibility("default")))
#endif

/* Number of cdf entries <= u, capped at n - 1 (the index of the sampled item).
 * The cdf is nondecreasing and its last entry is 1 > u, so counting the
 * entries <= u among the first n - 1 gives the same index; for short rows
 * (actions) the count is branch-free. */
static inline int64_t sample_cdf(const double *cdf, int64_t n, double u)
{
    int64_t k = 0, b;
    if (n <= 8) {
        for (b = 0; b < n - 1; b++) k += (cdf[b] <= u);
        return k;
    }
    while (k < n - 1 && cdf[k] <= u) k++;
    return k;
}

/* Softmax policy of one state: probabilities as a cdf, and the mean feature
 * xbar = sum_b pi(b) x(s, b) that the score x(s, a) - xbar needs. The cdf is
 * set to exactly 1 from the last action with a positive probability on, so an
 * action of probability 0 is never drawn. */
static void policy_row(const double *xs, const double *theta, int64_t A, int64_t d,
                       double *h, double *cdf, double *xbar)
{
    double hmax = -INFINITY, sum = 0.0, c = 0.0;
    int64_t a, k, last = 0;
    for (a = 0; a < A; a++) {
        double v = 0.0;
        for (k = 0; k < d; k++) v += xs[a * d + k] * theta[k];
        h[a] = v;
        if (v > hmax) hmax = v;
    }
    for (a = 0; a < A; a++) {
        h[a] = pg_exp_nonpositive(h[a] - hmax);
        sum += h[a];
    }
    for (k = 0; k < d; k++) xbar[k] = 0.0;
    for (a = 0; a < A; a++) {
        double p = h[a] / sum;
        c += p;
        cdf[a] = c;
        if (p > 0.0) last = a;
        for (k = 0; k < d; k++) xbar[k] += p * xs[a * d + k];
    }
    for (a = last; a < A; a++) cdf[a] = 1.0;
}

/* The hash of this file's source, set by setup.py at build time, so that
 * pgcore/_kernels.py can refuse a library built from another version. */
#ifndef PG_SOURCE_SHA256
#define PG_SOURCE_SHA256 "unknown"
#endif
PG_EXPORT const char *pg_source_sha256(void) { return PG_SOURCE_SHA256; }

/* The longest episode kept in memory (steps). An episode still running after
 * this many steps while max_steps allows more stops the study (status -3)
 * instead of growing its buffers until the machine runs out of memory; the
 * numpy fallback (pgcore._kernels.MAX_EPISODE_STEPS) does the same. */
#define PG_MAX_EPISODE_STEPS ((int64_t)1 << 20)

/* a * b as a size_t, or 0 when it does not fit (the callers treat 0 as "too big") */
static size_t mul_size(size_t a, size_t b)
{
    if (a != 0 && b > SIZE_MAX / a) return 0;
    return a * b;
}

/* Grow the per-episode buffers to hold at least need entries (doubling, at
 * most max_steps). Returns 0, or -1 if the memory is not there. */
static int grow_steps(int64_t need, int64_t max_steps, int64_t *cap, int32_t **states, int32_t **actions,
                      double **rewards, double **G, double **discs)
{
    int64_t c = *cap;
    size_t n4, n8;
    void *p;
    while (c < need) c = (c > max_steps / 2) ? max_steps : 2 * c;
    n4 = mul_size((size_t)c, sizeof(int32_t));
    n8 = mul_size((size_t)c, sizeof(double));
    if (n4 == 0 || n8 == 0) return -1;
    if (!(p = realloc(*states, n4))) return -1;
    *states = p;
    if (!(p = realloc(*actions, n4))) return -1;
    *actions = p;
    if (!(p = realloc(*rewards, n8))) return -1;
    *rewards = p;
    if (!(p = realloc(*G, n8))) return -1;
    *G = p;
    if (!(p = realloc(*discs, n8))) return -1;
    *discs = p;
    *cap = c;
    return 0;
}

static int cmp_int32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static int all_finite(const double *v, int64_t n)
{
    int64_t i;
    for (i = 0; i < n; i++)
        if (!isfinite(v[i])) return 0;
    return 1;
}

/*
 * Shapes (row-major, float64 unless said): P_cdf (S, A, S), next_det (S, A,
 * int32: the next state when it is certain, else -1), R (S, A), start_cdf (S),
 * start_det (the start state when it is certain, else -1), terminal (S, uint8), x (S, A, d), theta (n_runs, d) in/out,
 * xw (S, m), w (n_runs, m) in/out (m = 0: no baseline), rng_states and
 * rng_next (n_runs), returns (n_runs, n_episodes), lengths (n_runs,
 * n_episodes, int64), truncated (n_runs, n_episodes, uint8), diverged
 * (n_runs, uint8), theta_hist (n_runs, n_episodes + 1, d) or NULL.
 */
typedef struct {
    int64_t n_runs, n_episodes, S, A, d;
    const double *P_cdf;
    const int32_t *next_det;
    const double *R, *start_cdf;
    int64_t start_det;
    const uint8_t *terminal;
    double gamma;
    const double *x;
    double *theta, step_size;
    int64_t m;
    const double *xw;
    double *w, baseline_step_size;
    int64_t max_steps;
    int per_step;
    void **rng_states;
    pg_next_double *rng_next;
    double *returns;
    int64_t *lengths;
    uint8_t *truncated, *diverged;
    double *theta_hist;
} pg_args;

/* Runs r0 .. r1 - 1, with their own work space. Runs share nothing but
 * read-only inputs, so blocks of runs can go to different threads. */
static int run_block(const pg_args *pa, int64_t r0, int64_t r1)
{
    const int64_t n_episodes = pa->n_episodes, S = pa->S, A = pa->A, d = pa->d;
    const double *P_cdf = pa->P_cdf, *R = pa->R, *start_cdf = pa->start_cdf, *x = pa->x, *xw = pa->xw;
    const int32_t *next_det = pa->next_det;
    const int64_t start_det = pa->start_det, m = pa->m, max_steps = pa->max_steps;
    const uint8_t *terminal = pa->terminal;
    const double gamma = pa->gamma, step_size = pa->step_size, baseline_step_size = pa->baseline_step_size;
    const int per_step = pa->per_step;
    double *theta = pa->theta, *w = pa->w, *returns = pa->returns, *theta_hist = pa->theta_hist;
    int64_t *lengths = pa->lengths;
    uint8_t *truncated = pa->truncated, *diverged = pa->diverged;
    void **rng_states = pa->rng_states;
    pg_next_double *rng_next = pa->rng_next;
    /* the step buffers start small and grow with the longest episode (an
     * episode may be allowed max_steps = 2^62 steps and take 20) */
    int64_t cap = max_steps < 1024 ? (max_steps > 0 ? max_steps : 1) : 1024;
    int32_t *states = malloc(sizeof(int32_t) * (size_t)cap);
    int32_t *actions = malloc(sizeof(int32_t) * (size_t)cap);
    double *rewards = malloc(sizeof(double) * (size_t)cap);
    double *G = malloc(sizeof(double) * (size_t)cap);
    double *discs = malloc(sizeof(double) * (size_t)cap);
    /* sizes were checked by pg_reinforce: S * A * max(S, d) fits a size_t */
    double *cdf = malloc(sizeof(double) * (size_t)(S * A));
    double *xbar = malloc(sizeof(double) * (size_t)(S * d));
    double *h = malloc(sizeof(double) * (size_t)A);
    double *g = malloc(sizeof(double) * (size_t)(d > 0 ? d : 1));
    double *cdf1 = malloc(sizeof(double) * (size_t)A);
    double *xbar1 = malloc(sizeof(double) * (size_t)(d > 0 ? d : 1));
    double *C = calloc((size_t)(S * A), sizeof(double));
    int32_t *touched = malloc(sizeof(int32_t) * (size_t)(S * A));
    int64_t *sa_stamp = malloc(sizeof(int64_t) * (size_t)(S * A));
    int64_t *stamp = malloc(sizeof(int64_t) * (size_t)S);
    const int fused = (m == 0 && !per_step);
    int status = 0;
    int64_t r, e, t, k, j;

    if (!states || !actions || !rewards || !G || !cdf || !xbar || !h || !g || !stamp || !cdf1 || !xbar1
        || !discs || !C || !touched || !sa_stamp) {
        status = -1;
        goto done;
    }
    for (k = 0; k < S * A; k++) sa_stamp[k] = -1;
    for (r = r0; r < r1; r++) {
        double *th = theta + r * d;
        double *wr = w ? w + r * m : NULL;
        void *st = rng_states[r];
        pg_next_double next = rng_next[r];
        diverged[r] = 0;
        for (k = 0; k < S; k++) stamp[k] = -1;
        for (e = 0; e < n_episodes; e++) {
            int64_t s, T = 0, idx = r * n_episodes + e;
            double ret = 0.0, Gacc = 0.0, disc = 1.0;
            if (theta_hist) memcpy(theta_hist + (r * (n_episodes + 1) + e) * d, th, sizeof(double) * (size_t)d);
            if (diverged[r]) {
                returns[idx] = NAN;
                lengths[idx] = 0;
                truncated[idx] = 0;
                continue;
            }
            /* sample one episode with theta fixed; a uniform is drawn only for a
             * random choice: the start state (unless certain), every action,
             * and the next state unless it is certain */
            s = start_det >= 0 ? start_det : sample_cdf(start_cdf, S, next(st));
            while (!terminal[s] && T < max_steps) {
                int64_t a, sa, nd;
                double rew;
                if (stamp[s] != e) {
                    policy_row(x + s * A * d, th, A, d, h, cdf + s * A, xbar + s * d);
                    stamp[s] = e;
                }
                if (T >= PG_MAX_EPISODE_STEPS) {
                    status = -3;
                    goto done;
                }
                if (T >= cap && grow_steps(T + 1, max_steps, &cap, &states, &actions, &rewards, &G, &discs)) {
                    status = -1;
                    goto done;
                }
                a = sample_cdf(cdf + s * A, A, next(st));
                sa = s * A + a;
                rew = R[sa];
                states[T] = (int32_t)s;
                actions[T] = (int32_t)a;
                rewards[T] = rew;
                discs[T] = disc;
                disc *= gamma;
                ret += rew;
                T++;
                nd = next_det[sa];
                s = nd >= 0 ? nd : sample_cdf(P_cdf + sa * S, S, next(st));
            }
            returns[idx] = ret;
            lengths[idx] = T;
            truncated[idx] = (uint8_t)(!terminal[s]);
            for (k = 0; k < d; k++) g[k] = 0.0;
            if (fused) {
                /* no baseline, one update per episode: collect gamma^t G_t per
                 * (state, action) in one backward pass, then contract with the scores */
                int64_t n_touched = 0, i;
                for (t = T - 1; t >= 0; t--) {
                    int64_t sa = (int64_t)states[t] * A + actions[t];
                    Gacc = rewards[t] + gamma * Gacc;
                    if (sa_stamp[sa] != idx) {
                        sa_stamp[sa] = idx;
                        touched[n_touched++] = (int32_t)sa;
                    }
                    C[sa] += discs[t] * Gacc;
                }
                /* in increasing (state, action) order, as the numpy fallback sums */
                if (n_touched > 32) {
                    qsort(touched, (size_t)n_touched, sizeof(int32_t), cmp_int32);
                } else {
                    for (i = 1; i < n_touched; i++) {
                        int32_t v = touched[i];
                        int64_t q = i - 1;
                        while (q >= 0 && touched[q] > v) { touched[q + 1] = touched[q]; q--; }
                        touched[q + 1] = v;
                    }
                }
                for (i = 0; i < n_touched; i++) {
                    int64_t sa = touched[i], s_t = sa / A;
                    const double *xs = x + sa * d;
                    const double *xb = xbar + s_t * d;
                    double c = C[sa];
                    for (k = 0; k < d; k++) g[k] += c * (xs[k] - xb[k]);
                    C[sa] = 0.0;
                }
                for (k = 0; k < d; k++) th[k] += step_size * g[k];
            } else {
                /* returns G_t, backward */
                for (t = T - 1; t >= 0; t--) {
                    Gacc = rewards[t] + gamma * Gacc;
                    G[t] = Gacc;
                }
                /* forward, in the book's order (the baseline learns step by step) */
                for (t = 0; t < T; t++) {
                    int64_t s_t = states[t], a_t = actions[t];
                    const double *xs = x + (s_t * A + a_t) * d;
                    const double *xb = xbar + s_t * d;
                    double delta = G[t], coef;
                    if (m > 0) {
                        const double *f = xw + s_t * m;
                        double v = 0.0;
                        for (j = 0; j < m; j++) v += f[j] * wr[j];
                        delta -= v;
                        for (j = 0; j < m; j++) wr[j] += baseline_step_size * delta * f[j];
                    }
                    coef = discs[t] * delta;
                    if (per_step) {
                        /* Sutton & Barto's box literally: the score at the current theta,
                         * which the previous steps of this episode have already moved */
                        policy_row(x + s_t * A * d, th, A, d, h, cdf1, xbar1);
                        for (k = 0; k < d; k++) th[k] += step_size * coef * (xs[k] - xbar1[k]);
                    } else {
                        for (k = 0; k < d; k++) g[k] += coef * (xs[k] - xb[k]);
                    }
                }
                if (!per_step)
                    for (k = 0; k < d; k++) th[k] += step_size * g[k];
            }
            if (!all_finite(th, d) || (m > 0 && !all_finite(wr, m))) diverged[r] = 1;
        }
        if (theta_hist) memcpy(theta_hist + (r * (n_episodes + 1) + n_episodes) * d, th, sizeof(double) * (size_t)d);
    }
done:
    free(states);
    free(actions);
    free(rewards);
    free(G);
    free(cdf);
    free(xbar);
    free(h);
    free(g);
    free(stamp);
    free(cdf1);
    free(xbar1);
    free(discs);
    free(C);
    free(touched);
    free(sa_stamp);
    return status;
}

#if !defined(_WIN32)
#include <pthread.h>
typedef struct {
    const pg_args *pa;
    int64_t r0, r1;
    int status;
} pg_job;

static void *run_job(void *arg)
{
    pg_job *job = (pg_job *)arg;
    job->status = run_block(job->pa, job->r0, job->r1);
    return NULL;
}
#endif

/*
 * Returns 0 on success, -2 if a size is out of range (nothing is allocated), -1 if memory could not be allocated (or a thread
 * could not be started). n_threads > 1 splits the runs into that many
 * contiguous blocks (POSIX threads; one thread on Windows). The results do not
 * depend on n_threads: every run has its own random numbers.
 */
PG_EXPORT int pg_reinforce(
    int64_t n_runs, int64_t n_episodes, int64_t S, int64_t A, int64_t d,
    const double *P_cdf, const int32_t *next_det, const double *R,
    const double *start_cdf, int64_t start_det, const uint8_t *terminal,
    double gamma, const double *x,
    double *theta, double step_size,
    int64_t m, const double *xw, double *w, double baseline_step_size,
    int64_t max_steps, int per_step,
    void **rng_states, pg_next_double *rng_next,
    double *returns, int64_t *lengths, uint8_t *truncated, uint8_t *diverged,
    double *theta_hist, int n_threads)
{
    /* Refuse what the buffers cannot hold before allocating anything (-2):
     * every count positive, state-action indices within int32, and every
     * array size (in bytes) within a size_t. */
    if (n_runs < 1 || n_episodes < 1 || S < 1 || A < 1 || d < 1 || m < 0 || max_steps < 1) return -2;
    if (S > INT32_MAX / A) return -2;
    if (mul_size(mul_size((size_t)(S * A), (size_t)(S > d ? S : d)), sizeof(double)) == 0) return -2;
    if (mul_size(mul_size((size_t)n_runs, (size_t)n_episodes + 1), mul_size((size_t)d, sizeof(double))) == 0)
        return -2;
    if (m > 0 && mul_size(mul_size((size_t)S, (size_t)m), sizeof(double)) == 0) return -2;
    {
    pg_args pa = {n_runs, n_episodes, S, A, d, P_cdf, next_det, R, start_cdf, start_det, terminal,
                  gamma, x, theta, step_size, m, xw, w, baseline_step_size, max_steps, per_step,
                  rng_states, rng_next, returns, lengths, truncated, diverged, theta_hist};
#if !defined(_WIN32)
    if (n_threads > 1 && n_runs > 1) {
        pg_job jobs[16];
        pthread_t tids[16];
        int started[16] = {0};
        int i, status = 0;
        if (n_threads > 16) n_threads = 16;
        if (n_threads > n_runs) n_threads = (int)n_runs;
        /* blocks of q or q + 1 runs; no product n_runs * i, which could overflow int64 */
        int64_t q = n_runs / n_threads, rem = n_runs % n_threads;
        for (i = 0; i < n_threads; i++) {
            jobs[i].pa = &pa;
            jobs[i].r0 = q * i + (i < rem ? i : rem);
            jobs[i].r1 = q * (i + 1) + (i + 1 < rem ? i + 1 : rem);
            jobs[i].status = 0;
        }
        for (i = 1; i < n_threads; i++)
            started[i] = pthread_create(&tids[i], NULL, run_job, &jobs[i]) == 0;
        run_job(&jobs[0]);
        for (i = 1; i < n_threads; i++) {
            if (started[i]) {
                pthread_join(tids[i], NULL);
            } else {
                run_job(&jobs[i]); /* could not start a thread: do it here */
            }
        }
        for (i = 0; i < n_threads; i++)
            if (jobs[i].status != 0) status = jobs[i].status;
        return status;
    }
#else
    (void)n_threads;
#endif
    return run_block(&pa, 0, n_runs);
    }
}

/* An empty module, so that setuptools can build and install this file. */
static struct PyModuleDef pg_module = {
    PyModuleDef_HEAD_INIT, "_ckernels",
    "Compiled kernels of pgcore, loaded with ctypes by pgcore._kernels.", -1,
    NULL, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__ckernels(void) { return PyModule_Create(&pg_module); }
