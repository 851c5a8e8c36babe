/* keys._native._merkle: the hot loops of keys.canonical and keys.merkle in C (optional; the Python
 * modules fall back to their own code when this extension is not built).
 *
 * row_leaf_hashes(rows, alg) -> (hashes, redo)
 *     H(0x00 || canonical_row(row)) for every row. Rows this code is not sure to encode exactly as
 *     keys.canonical does (a non-tuple row, a str or int subclass, a bool, an int beyond 64 bits, a lone
 *     surrogate, a field containing U+001F) are left as None in `hashes` and listed in `redo`, in order:
 *     Python re-runs its own canonical_row on them, which either encodes them or raises the precise
 *     InvalidInput. C therefore never builds an error message and never sees personal data in one.
 * leaf_hashes(lines, alg) -> (hashes, redo)      the same over already-canonical bytes lines
 * reduce(level, alg) -> list                     H(0x01 || l || r) of each pair of 32-byte hashes
 * subtree_root(level, alg) -> bytes              the root of a complete subtree (len a power of two)
 * digest(data, alg, prefix=-1) -> bytes          one hash, for tests and single nodes
 * SHA256_IMPL                                    "sha-ni" or "portable", chosen at import
 * SM3_IMPL                                       "avx2" (eight messages at a time) or "portable"
 * set_sha256_impl(name), set_sm3_impl(name)      switch, returning the previous name (tests run the
 *                                                portable code on CPUs with SHA-NI or AVX2 too)
 *
 * alg is 0 for SHA-256, 1 for SM3. Hashing runs with the GIL released; objects are only touched with it.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdlib.h>
#include <string.h>

#include "hashes.h"

static silink_hash HASHES[2];

static const silink_hash *get_hash(PyObject *alg) {
    long a = PyLong_AsLong(alg);
    if (a == -1 && PyErr_Occurred()) return NULL;
    if (a != 0 && a != 1) {
        PyErr_SetString(PyExc_ValueError, "alg is 0 (SHA-256) or 1 (SM3)");
        return NULL;
    }
    return &HASHES[a];
}

/* ---- a growable byte buffer of concatenated leaf messages ------------------------------------- */

typedef struct {
    uint8_t *p;
    size_t len, cap;
} buf_t;

static int reserve(buf_t *b, size_t extra) {
    if (b->len + extra <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra) cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p) {
        PyErr_NoMemory();
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

enum { OK = 0, REDO = 1, FAIL = -1 };

/* A str field as UTF-8. Only exact str: str.join accepts subclasses too, but those go back to Python
 * so that whatever they do is what Python does. */
static int put_str(buf_t *b, PyObject *s) {
    if (!PyUnicode_CheckExact(s)) return REDO;
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(s) < 0) return FAIL;
#endif
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    if (PyUnicode_IS_ASCII(s)) {
        if (reserve(b, (size_t)n) < 0) return FAIL;
        const uint8_t *src = PyUnicode_1BYTE_DATA(s);
        if (memchr(src, 0x1f, (size_t)n)) return REDO;
        memcpy(b->p + b->len, src, (size_t)n);
        b->len += (size_t)n;
        return OK;
    }
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    size_t most = kind == PyUnicode_1BYTE_KIND ? 2 : kind == PyUnicode_2BYTE_KIND ? 3 : 4;
    if (reserve(b, most * (size_t)n) < 0) return FAIL;
    uint8_t *o = b->p + b->len;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c < 0x80) {
            if (c == 0x1f) return REDO;
            *o++ = (uint8_t)c;
        } else if (c < 0x800) {
            *o++ = (uint8_t)(0xC0 | (c >> 6));
            *o++ = (uint8_t)(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            if (c >= 0xD800 && c <= 0xDFFF) return REDO; /* a lone surrogate: UTF-8 cannot encode it */
            *o++ = (uint8_t)(0xE0 | (c >> 12));
            *o++ = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
            *o++ = (uint8_t)(0x80 | (c & 0x3F));
        } else {
            *o++ = (uint8_t)(0xF0 | (c >> 18));
            *o++ = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
            *o++ = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
            *o++ = (uint8_t)(0x80 | (c & 0x3F));
        }
    }
    b->len = (size_t)(o - b->p);
    return OK;
}

/* An int field in decimal. Exact int within 64 bits only; bool, subclasses and huge values go back. */
static int put_int(buf_t *b, PyObject *v) {
    if (!PyLong_CheckExact(v)) return REDO;
    int overflow;
    long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (overflow) return REDO;
    if (x == -1 && PyErr_Occurred()) return FAIL;
    if (reserve(b, 21) < 0) return FAIL;
    char tmp[24];
    int k = 0;
    unsigned long long u = x < 0 ? 0ULL - (unsigned long long)x : (unsigned long long)x;
    do {
        tmp[k++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    uint8_t *o = b->p + b->len;
    if (x < 0) *o++ = '-';
    while (k) *o++ = (uint8_t)tmp[--k];
    b->len = (size_t)(o - b->p);
    return OK;
}

static const char LINE_FORMAT[] = "silink-line-v1";
#define N_FIELDS 12

/* Appends 0x00 || canonical line of one row. */
static int put_row(buf_t *b, PyObject *row) {
    /* A tuple (NamedTuple included) whose iteration is tuple's own: Python unpacks it the same way. */
    if (!PyTuple_Check(row) || Py_TYPE(row)->tp_iter != PyTuple_Type.tp_iter ||
        PyTuple_GET_SIZE(row) != N_FIELDS)
        return REDO;
    if (reserve(b, 1 + sizeof LINE_FORMAT - 1) < 0) return FAIL;
    b->p[b->len++] = 0x00;
    memcpy(b->p + b->len, LINE_FORMAT, sizeof LINE_FORMAT - 1);
    b->len += sizeof LINE_FORMAT - 1;
    for (int i = 0; i < N_FIELDS; i++) {
        if (reserve(b, 1) < 0) return FAIL;
        b->p[b->len++] = 0x1f;
        PyObject *f = PyTuple_GET_ITEM(row, i);
        int r = (i == 0 || i == 8) ? put_int(b, f) : put_str(b, f);
        if (r != OK) return r;
    }
    return OK;
}

/* ---- leaves ----------------------------------------------------------------------------------- */

typedef struct {
    size_t off, len; /* the message in buf (prefix included for rows, not for bytes lines) */
    PyObject *out;   /* the result bytes object, NULL for a line left to Python */
    const uint8_t *src; /* bytes lines: hashed where they lie */
} job_t;

/* Pointer arrays for silink_digest_all, allocated with the GIL held, used with it released. */
typedef struct {
    const uint8_t **msgs;
    size_t *lens;
    uint8_t **outs;
    size_t n;
} batch_t;

static int batch_alloc(batch_t *t, size_t n) {
    size_t m = n ? n : 1;
    t->msgs = malloc(m * sizeof *t->msgs);
    t->lens = malloc(m * sizeof *t->lens);
    t->outs = malloc(m * sizeof *t->outs);
    t->n = 0;
    if (t->msgs && t->lens && t->outs) return 0;
    PyErr_NoMemory();
    return -1;
}

static void batch_free(batch_t *t) {
    free(t->msgs);
    free(t->lens);
    free(t->outs);
}

/* The jobs that have an output object; base is the row buffer (NULL: jobs point at bytes lines). */
static void batch_of_jobs(batch_t *t, const job_t *jobs, Py_ssize_t n, const uint8_t *base) {
    t->n = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!jobs[i].out) continue;
        t->msgs[t->n] = base ? base + jobs[i].off : jobs[i].src;
        t->lens[t->n] = jobs[i].len;
        t->outs[t->n++] = (uint8_t *)PyBytes_AS_STRING(jobs[i].out);
    }
}

static PyObject *finish(PyObject *list, PyObject *redo) {
    PyObject *r = PyTuple_Pack(2, list, redo);
    Py_DECREF(list);
    Py_DECREF(redo);
    return r;
}

/* The result list (None where Python redoes the line) and the redo indices. Fails before the list
 * takes ownership of any bytes object, so that on failure the caller still owns every jobs[i].out. */
static int make_results(job_t *jobs, Py_ssize_t n, PyObject **list_out, PyObject **redo_out) {
    PyObject *redo = PyList_New(0);
    if (!redo) return -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (jobs[i].out) continue;
        PyObject *ix = PyLong_FromSsize_t(i);
        if (!ix || PyList_Append(redo, ix) < 0) {
            Py_XDECREF(ix);
            Py_DECREF(redo);
            return -1;
        }
        Py_DECREF(ix);
    }
    PyObject *list = PyList_New(n);
    if (!list) {
        Py_DECREF(redo);
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *o = jobs[i].out ? jobs[i].out : Py_None;
        if (o == Py_None) Py_INCREF(o);
        PyList_SET_ITEM(list, i, o);
    }
    *list_out = list;
    *redo_out = redo;
    return 0;
}

static PyObject *row_leaf_hashes(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "row_leaf_hashes(rows, alg)");
        return NULL;
    }
    const silink_hash *h = get_hash(args[1]);
    if (!h) return NULL;
    PyObject *seq = PySequence_Fast(args[0], "rows must be iterable");
    if (!seq) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    job_t *jobs = calloc(n ? (size_t)n : 1, sizeof *jobs);
    buf_t b = {0};
    PyObject *list = NULL, *redo = NULL;
    if (!jobs) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t made = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        size_t start = b.len;
        int r = put_row(&b, items[i]);
        if (r == FAIL) goto fail_jobs;
        if (r == REDO) {
            b.len = start;
            continue;
        }
        jobs[i].off = start;
        jobs[i].len = b.len - start;
        jobs[i].out = PyBytes_FromStringAndSize(NULL, SILINK_DIGEST);
        if (!jobs[i].out) goto fail_jobs;
        made = i + 1;
    }
    batch_t t;
    if (batch_alloc(&t, (size_t)n) < 0) {
        batch_free(&t);
        goto fail_jobs;
    }
    batch_of_jobs(&t, jobs, n, b.p);
    Py_BEGIN_ALLOW_THREADS;
    silink_digest_all(h, -1, t.msgs, t.lens, t.outs, t.n);
    Py_END_ALLOW_THREADS;
    batch_free(&t);
    if (make_results(jobs, n, &list, &redo) < 0) {
        made = n;
        goto fail_jobs;
    }
    goto done;
fail_jobs:
    for (Py_ssize_t i = 0; i < made; i++) Py_XDECREF(jobs[i].out);
done:
    free(jobs);
    free(b.p);
    Py_DECREF(seq);
    return list ? finish(list, redo) : NULL;
}

static PyObject *leaf_hashes(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "leaf_hashes(lines, alg)");
        return NULL;
    }
    const silink_hash *h = get_hash(args[1]);
    if (!h) return NULL;
    PyObject *seq = PySequence_Fast(args[0], "lines must be iterable");
    if (!seq) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    job_t *jobs = calloc(n ? (size_t)n : 1, sizeof *jobs);
    /* Our own references: while the GIL is released another thread could empty the caller's list. */
    PyObject **held = calloc(n ? (size_t)n : 1, sizeof *held);
    PyObject *list = NULL, *redo = NULL;
    Py_ssize_t made = 0;
    if (!jobs || !held) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        made = i + 1;
        if (!PyBytes_CheckExact(items[i])) continue;
        Py_INCREF(items[i]);
        held[i] = items[i];
        jobs[i].src = (const uint8_t *)PyBytes_AS_STRING(items[i]);
        jobs[i].len = (size_t)PyBytes_GET_SIZE(items[i]);
        jobs[i].out = PyBytes_FromStringAndSize(NULL, SILINK_DIGEST);
        if (!jobs[i].out) goto fail_jobs;
    }
    batch_t t;
    if (batch_alloc(&t, (size_t)n) < 0) {
        batch_free(&t);
        goto fail_jobs;
    }
    batch_of_jobs(&t, jobs, n, NULL);
    Py_BEGIN_ALLOW_THREADS;
    silink_digest_all(h, 0x00, t.msgs, t.lens, t.outs, t.n);
    Py_END_ALLOW_THREADS;
    batch_free(&t);
    if (make_results(jobs, n, &list, &redo) < 0) goto fail_jobs;
    goto done;
fail_jobs:
    for (Py_ssize_t i = 0; i < made; i++) Py_XDECREF(jobs[i].out);
done:
    if (held)
        for (Py_ssize_t i = 0; i < made; i++) Py_XDECREF(held[i]);
    free(held);
    free(jobs);
    Py_DECREF(seq);
    return list ? finish(list, redo) : NULL;
}

/* ---- nodes ------------------------------------------------------------------------------------ */

/* Copies a list of 32-byte hashes into one buffer (ValueError unless they all are). */
static uint8_t *gather(PyObject *level, Py_ssize_t *n_out) {
    PyObject *seq = PySequence_Fast(level, "level must be a sequence of hashes");
    if (!seq) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    uint8_t *buf = malloc(n ? (size_t)n * SILINK_DIGEST : 1);
    if (!buf) {
        Py_DECREF(seq);
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!PyBytes_Check(items[i]) || PyBytes_GET_SIZE(items[i]) != SILINK_DIGEST) {
            free(buf);
            Py_DECREF(seq);
            PyErr_SetString(PyExc_ValueError, "hashes are 32-byte strings");
            return NULL;
        }
        memcpy(buf + SILINK_DIGEST * i, PyBytes_AS_STRING(items[i]), SILINK_DIGEST);
    }
    Py_DECREF(seq);
    *n_out = n;
    return buf;
}

/* One level up, in place: node i overwrites bytes already read. silink_digest_all reads a group of
 * (at most 8) pairs before writing their nodes, and node i+7 ends at 32(i+8) <= 64(i+8), where the next
 * group's input begins. */
static void reduce_in_place(const silink_hash *h, uint8_t *buf, Py_ssize_t pairs, batch_t *t) {
    for (Py_ssize_t i = 0; i < pairs; i++) {
        t->msgs[i] = buf + 2 * SILINK_DIGEST * i;
        t->lens[i] = 2 * SILINK_DIGEST;
        t->outs[i] = buf + SILINK_DIGEST * i;
    }
    silink_digest_all(h, 0x01, t->msgs, t->lens, t->outs, (size_t)pairs);
}

static PyObject *reduce_level(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "reduce(level, alg)");
        return NULL;
    }
    const silink_hash *h = get_hash(args[1]);
    if (!h) return NULL;
    Py_ssize_t n;
    uint8_t *buf = gather(args[0], &n);
    if (!buf) return NULL;
    if (n % 2) {
        free(buf);
        PyErr_SetString(PyExc_ValueError, "a level to reduce has an even number of hashes");
        return NULL;
    }
    batch_t t;
    if (batch_alloc(&t, (size_t)n / 2) < 0) {
        batch_free(&t);
        free(buf);
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS;
    reduce_in_place(h, buf, n / 2, &t);
    Py_END_ALLOW_THREADS;
    batch_free(&t);
    PyObject *out = PyList_New(n / 2);
    for (Py_ssize_t i = 0; out && i < n / 2; i++) {
        PyObject *d = PyBytes_FromStringAndSize((const char *)buf + SILINK_DIGEST * i, SILINK_DIGEST);
        if (!d) {
            Py_CLEAR(out);
            break;
        }
        PyList_SET_ITEM(out, i, d);
    }
    free(buf);
    return out;
}

static PyObject *subtree_root(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "subtree_root(level, alg)");
        return NULL;
    }
    const silink_hash *h = get_hash(args[1]);
    if (!h) return NULL;
    Py_ssize_t n;
    uint8_t *buf = gather(args[0], &n);
    if (!buf) return NULL;
    if (n == 0 || (n & (n - 1))) {
        free(buf);
        PyErr_SetString(PyExc_ValueError, "a complete subtree has a power of two of leaves");
        return NULL;
    }
    batch_t t;
    if (batch_alloc(&t, (size_t)n / 2) < 0) {
        batch_free(&t);
        free(buf);
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS;
    for (; n > 1; n /= 2) reduce_in_place(h, buf, n / 2, &t);
    Py_END_ALLOW_THREADS;
    batch_free(&t);
    PyObject *out = PyBytes_FromStringAndSize((const char *)buf, SILINK_DIGEST);
    free(buf);
    return out;
}

static PyObject *digest(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2 && nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "digest(data, alg, prefix=-1)");
        return NULL;
    }
    const silink_hash *h = get_hash(args[1]);
    if (!h) return NULL;
    int prefix = -1;
    if (nargs == 3) {
        long p = PyLong_AsLong(args[2]);
        if (p == -1 && PyErr_Occurred()) return NULL;
        if (p < -1 || p > 255) {
            PyErr_SetString(PyExc_ValueError, "prefix is a byte value or -1");
            return NULL;
        }
        prefix = (int)p;
    }
    Py_buffer view;
    if (PyObject_GetBuffer(args[0], &view, PyBUF_SIMPLE) < 0) return NULL;
    uint8_t out[SILINK_DIGEST];
    silink_digest(h, prefix, view.buf, (size_t)view.len, out);
    PyBuffer_Release(&view);
    return PyBytes_FromStringAndSize((const char *)out, SILINK_DIGEST);
}

static silink_blocks_fn SHANI;

static PyObject *set_sha256_impl(PyObject *m, PyObject *name) {
    const char *want = PyUnicode_Check(name) ? PyUnicode_AsUTF8(name) : NULL;
    if (!want) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "name is a str");
        return NULL;
    }
    silink_blocks_fn fn;
    if (strcmp(want, "portable") == 0) {
        fn = silink_sha256_blocks_portable;
    } else if (strcmp(want, "sha-ni") == 0 && SHANI) {
        fn = SHANI;
    } else {
        PyErr_SetString(PyExc_ValueError, "not available here");
        return NULL;
    }
    PyObject *previous = PyObject_GetAttrString(m, "SHA256_IMPL");
    if (!previous || PyObject_SetAttrString(m, "SHA256_IMPL", name) < 0) {
        Py_XDECREF(previous);
        return NULL;
    }
    HASHES[0].blocks = fn;
    return previous;
}

static silink_many_fn SM3_AVX2;

static PyObject *set_sm3_impl(PyObject *m, PyObject *name) {
    const char *want = PyUnicode_Check(name) ? PyUnicode_AsUTF8(name) : NULL;
    if (!want) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "name is a str");
        return NULL;
    }
    silink_many_fn fn;
    if (strcmp(want, "portable") == 0) {
        fn = NULL;
    } else if (strcmp(want, "avx2") == 0 && SM3_AVX2) {
        fn = SM3_AVX2;
    } else {
        PyErr_SetString(PyExc_ValueError, "not available here");
        return NULL;
    }
    PyObject *previous = PyObject_GetAttrString(m, "SM3_IMPL");
    if (!previous || PyObject_SetAttrString(m, "SM3_IMPL", name) < 0) {
        Py_XDECREF(previous);
        return NULL;
    }
    HASHES[1].many = fn;
    return previous;
}

static PyMethodDef methods[] = {
    {"set_sm3_impl", (PyCFunction)set_sm3_impl, METH_O,
     "set_sm3_impl(name) -> previous: 'portable' or 'avx2' (when the CPU has it)."},
    {"set_sha256_impl", (PyCFunction)set_sha256_impl, METH_O,
     "set_sha256_impl(name) -> previous: 'portable' or 'sha-ni' (when the CPU has it)."},
    {"row_leaf_hashes", (PyCFunction)(void (*)(void))row_leaf_hashes, METH_FASTCALL,
     "row_leaf_hashes(rows, alg) -> (hashes, redo): leaf hashes of canonical rows."},
    {"leaf_hashes", (PyCFunction)(void (*)(void))leaf_hashes, METH_FASTCALL,
     "leaf_hashes(lines, alg) -> (hashes, redo): H(0x00 || line) of bytes lines."},
    {"reduce", (PyCFunction)(void (*)(void))reduce_level, METH_FASTCALL,
     "reduce(level, alg) -> list: H(0x01 || l || r) of each pair."},
    {"subtree_root", (PyCFunction)(void (*)(void))subtree_root, METH_FASTCALL,
     "subtree_root(level, alg) -> bytes: the root over a power of two of hashes."},
    {"digest", (PyCFunction)(void (*)(void))digest, METH_FASTCALL,
     "digest(data, alg, prefix=-1) -> bytes: H(prefix || data)."},
    {NULL, NULL, 0, NULL},
};

static int exec_module(PyObject *m) {
    silink_blocks_fn shani = SHANI = silink_sha256_blocks_shani();
    HASHES[0].iv = silink_sha256_iv;
    HASHES[0].blocks = shani ? shani : silink_sha256_blocks_portable;
    HASHES[1].iv = silink_sm3_iv;
    HASHES[0].many = NULL; /* SHA-NI is fast enough one message at a time */
    HASHES[1].blocks = silink_sm3_blocks;
    HASHES[1].many = SM3_AVX2 = silink_sm3_many_avx2();
    if (PyModule_AddStringConstant(m, "SHA256_IMPL", shani ? "sha-ni" : "portable") < 0) return -1;
    return PyModule_AddStringConstant(m, "SM3_IMPL", SM3_AVX2 ? "avx2" : "portable");
}

static PyModuleDef_Slot slots[] = {{Py_mod_exec, exec_module}, {0, NULL}};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_merkle", "Canonical rows, leaf and node hashes in C.", 0, methods, slots,
    NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__merkle(void) { return PyModuleDef_Init(&module); }
