/* Spans from a block of step rows, in C: the span model's inner loop (derive.py).
 *
 * Why C: a live chart updates the model at frame rate while a busy program records
 * 200,000 events a second.  The numpy derivation in derive.py costs about 0.3 us a step
 * (some fifty passes over the block); a frame at 30 frames per second has 14 ms for
 * everything, and the model's share was 2-3 ms of it.  This loop is the rule as it is
 * stated, one step at a time (tests/model_reference.py), at a few tens of ns a step.
 *
 * derive(steps, wakes, tasks, out, taken) -> number of spans written
 *   steps  (task int32, start float64, end float64, code int32): the new step rows
 *   wakes  (task int32, t float64, waker int32): every wake no step has taken yet,
 *          in the order recorded
 *   tasks  (created float64, parent int32, last_start float64, last_end float64,
 *          last_code int32, prev_code int32, cancel_code int32, ended bool): per task,
 *          read and updated in place
 *   out    (task int32, state int8, start float64, end float64, awaiting int32,
 *          woken_kind int8, woken_task int32): room for 3 spans a step
 *   taken  bool, one per wake: set where a step took the wake (popped its task's queue)
 *
 * The numpy derivation in derive.py stays the fallback where this is not built; the
 * tests hold both to the reference, span for span.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* schema.py */
#define END_READY (-1)
#define WAKE_CREATED 0
#define WAKE_TASK 1
#define WAKE_CANCEL 5
#define READY 0
#define RUNNING 1
#define SUSPENDED 2

typedef struct {
    Py_buffer view;
    int held;
} Column;

/* Take buffer `index` of tuple `group` as a C-contiguous array of `itemsize` bytes. */
/* Take buffer `index` of tuple `group` as a C-contiguous array of items of struct
 * format `kind` ('i' int32, 'd' float64, 'b' int8, '?' bool): an array of another kind
 * of the same size would be read as garbage, so it is refused. */
static int column(PyObject *group, Py_ssize_t index, char kind, int writable, Column *out) {
    PyObject *obj = PyTuple_GetItem(group, index);
    if (obj == NULL) return -1;
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, &out->view, flags) < 0) return -1;
    out->held = 1;
    const char *format = out->view.format ? out->view.format : "B";
    if (format[0] == '=' || format[0] == '<' || format[0] == '@') format++;
    Py_ssize_t size = kind == 'd' ? 8 : kind == 'i' ? 4 : 1;
    if (format[0] != kind || format[1] != '\0' || out->view.itemsize != size) {
        PyErr_Format(PyExc_TypeError, "column %zd: items of format '%s', expected '%c'", index,
                     out->view.format ? out->view.format : "B", kind);
        return -1;
    }
    return 0;
}

static Py_ssize_t rows(Column *c) { return c->view.len / c->view.itemsize; }

#define RELEASE_ALL(cols, n)                                                      \
    for (int k_ = 0; k_ < (n); k_++)                                             \
        if ((cols)[k_].held) PyBuffer_Release(&(cols)[k_].view)

static PyObject *derive(PyObject *self, PyObject *args) {
    PyObject *steps, *wakes, *tasks, *out, *taken_obj;
    if (!PyArg_ParseTuple(args, "O!O!O!O!O", &PyTuple_Type, &steps, &PyTuple_Type, &wakes,
                          &PyTuple_Type, &tasks, &PyTuple_Type, &out, &taken_obj))
        return NULL;
    if (PyTuple_GET_SIZE(steps) != 4 || PyTuple_GET_SIZE(wakes) != 3 ||
        PyTuple_GET_SIZE(tasks) != 8 || PyTuple_GET_SIZE(out) != 7) {
        PyErr_SetString(PyExc_TypeError, "derive: 4 step, 3 wake, 8 task and 7 span columns");
        return NULL;
    }
    Column c[23];
    memset(c, 0, sizeof c);
    int32_t *counts = NULL, *order = NULL, *head = NULL, *tail = NULL;
    PyObject *result = NULL;
    static const char step_kind[4] = {'i', 'd', 'd', 'i'};
    static const char wake_kind[3] = {'i', 'd', 'i'};
    static const char task_kind[8] = {'d', 'i', 'd', 'd', 'i', 'i', 'i', '?'};
    static const char out_kind[7] = {'i', 'b', 'd', 'd', 'i', 'b', 'i'};
    for (int k = 0; k < 4; k++)
        if (column(steps, k, step_kind[k], 0, &c[k]) < 0) goto done;
    for (int k = 0; k < 3; k++)
        if (column(wakes, k, wake_kind[k], 0, &c[4 + k]) < 0) goto done;
    for (int k = 0; k < 8; k++)
        if (column(tasks, k, task_kind[k], k >= 2, &c[7 + k]) < 0) goto done;
    for (int k = 0; k < 7; k++)
        if (column(out, k, out_kind[k], 1, &c[15 + k]) < 0) goto done;
    {
        PyObject *one = PyTuple_Pack(1, taken_obj);
        if (one == NULL) goto done;
        int failed = column(one, 0, '?', 1, &c[22]);
        Py_DECREF(one);
        if (failed < 0) goto done;
    }

    const Py_ssize_t n = rows(&c[0]), w = rows(&c[4]), t = rows(&c[7]);
    for (int k = 1; k < 4; k++)
        if (rows(&c[k]) != n) goto bad_length;
    for (int k = 5; k < 7; k++)
        if (rows(&c[k]) != w) goto bad_length;
    for (int k = 8; k < 15; k++)
        if (rows(&c[k]) != t) goto bad_length;
    for (int k = 15; k < 22; k++)
        if (rows(&c[k]) < 3 * n) goto bad_length;
    if (rows(&c[22]) != w) goto bad_length;

    const int32_t *s_task = c[0].view.buf, *s_code = c[3].view.buf;
    const double *s_start = c[1].view.buf, *s_end = c[2].view.buf;
    const int32_t *w_task = c[4].view.buf, *w_waker = c[6].view.buf;
    const double *w_t = c[5].view.buf;
    const double *created = c[7].view.buf;
    const int32_t *parent = c[8].view.buf;
    double *last_start = c[9].view.buf, *last_end = c[10].view.buf;
    int32_t *last_code = c[11].view.buf, *prev_code = c[12].view.buf;
    int32_t *cancel_code = c[13].view.buf;
    uint8_t *ended = c[14].view.buf;
    int32_t *o_task = c[15].view.buf, *o_await = c[19].view.buf, *o_wtask = c[21].view.buf;
    int8_t *o_state = c[16].view.buf, *o_wkind = c[20].view.buf;
    double *o_start = c[17].view.buf, *o_end = c[18].view.buf;
    uint8_t *taken = c[22].view.buf;
    memset(taken, 0, (size_t)w);

    for (Py_ssize_t i = 0; i < n; i++)
        if (s_task[i] < 0 || s_task[i] >= t) goto bad_task;
    for (Py_ssize_t i = 0; i < w; i++)
        if (w_task[i] < 0 || w_task[i] >= t) goto bad_task;

    /* each task's wakes, in the order recorded: a queue per task (counting sort) */
    counts = PyMem_Calloc((size_t)t + 1, sizeof(int32_t));
    order = PyMem_Malloc(((size_t)w + 1) * sizeof(int32_t));
    head = PyMem_Malloc(((size_t)t + 1) * sizeof(int32_t));
    tail = PyMem_Malloc(((size_t)t + 1) * sizeof(int32_t));
    if (!counts || !order || !head || !tail) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < w; i++) counts[w_task[i]]++;
    int32_t at = 0;
    for (Py_ssize_t k = 0; k < t; k++) {
        head[k] = tail[k] = at;
        at += counts[k];
    }
    for (Py_ssize_t i = 0; i < w; i++) order[tail[w_task[i]]++] = (int32_t)i;

    Py_ssize_t m = 0;
#define EMIT(tid_, state_, start_, end_, awaiting_, kind_, waker_) \
    do {                                                            \
        o_task[m] = (tid_);                                         \
        o_state[m] = (state_);                                      \
        o_start[m] = (start_);                                      \
        o_end[m] = (end_);                                          \
        o_await[m] = (awaiting_);                                   \
        o_wkind[m] = (kind_);                                       \
        o_wtask[m] = (waker_);                                      \
        m++;                                                        \
    } while (0)
    for (Py_ssize_t i = 0; i < n; i++) {
        const int32_t tid = s_task[i], code = s_code[i];
        const double start = s_start[i], end = s_end[i];
        const double le = last_end[tid];
        const int32_t lc = last_code[tid];
        if (isnan(le)) { /* first step: ready since creation */
            EMIT(tid, READY, created[tid], start, -1, WAKE_CREATED, parent[tid]);
        } else if (lc == END_READY) { /* after a bare yield: ready at once, by itself */
            EMIT(tid, READY, le, start, -1, WAKE_TASK, tid);
        } else { /* after a suspension: the wakes at or before the start are taken */
            int32_t found = -1;
            while (head[tid] < tail[tid] && w_t[order[head[tid]]] <= start) {
                found = order[head[tid]++];
                taken[found] = 1;
            }
            int kind = -1, waker = -1;
            double woke = le;
            if (found >= 0) {
                const int32_t packed = w_waker[found];
                kind = packed & 7;
                waker = (packed >> 3) - 1;
                woke = w_t[found] > le ? w_t[found] : le;
            }
            if (kind == WAKE_CANCEL) cancel_code[tid] = lc;
            EMIT(tid, SUSPENDED, le, woke, lc, -1, -1);
            EMIT(tid, READY, woke, start, -1, kind, waker);
        }
        EMIT(tid, RUNNING, start, end, -1, -1, -1);
        prev_code[tid] = lc;
        last_code[tid] = code;
        last_start[tid] = start;
        last_end[tid] = end;
        if (code < END_READY) ended[tid] = 1;
    }
#undef EMIT
    result = PyLong_FromSsize_t(m);
    goto done;

bad_length:
    PyErr_SetString(PyExc_ValueError, "derive: columns of a table differ in length");
    goto done;
bad_task:
    PyErr_SetString(PyExc_ValueError, "derive: a row names a task the task table lacks");
done:
    PyMem_Free(counts);
    PyMem_Free(order);
    PyMem_Free(head);
    PyMem_Free(tail);
    RELEASE_ALL(c, 23);
    return result;
}

static PyMethodDef methods[] = {
    {"derive", derive, METH_VARARGS,
     "derive(steps, wakes, tasks, out, taken) -> spans written (see the module's comment)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_derive", "The span model's inner loop, in C (derive.py).", -1,
    methods,
};

PyMODINIT_FUNC PyInit__derive(void) { return PyModule_Create(&module); }
