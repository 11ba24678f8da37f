package io.github.libzarr;

import java.lang.ref.Cleaner;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * An open native handle (a long id, as in zstd-jni and RocksDB Java).
 *
 * <p>Every call runs under the read lock of a read/write lock, so calls from
 * several threads run at once; {@link #close()} takes the write lock, so it
 * waits for calls in flight and later calls throw IllegalStateException. The
 * handle is closed exactly once: by close() (a second close is a no-op) or,
 * for a handle nobody closed, by a {@link Cleaner} once it is unreachable.
 */
abstract class NativeHandle implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    /** The state the Cleaner shares; it must not refer to the handle object. */
    private static final class State implements Runnable {
        final long id;
        boolean closed; // guarded by the write lock (close) or unreachability (Cleaner)

        State(long id) {
            this.id = id;
        }

        @Override
        public synchronized void run() {
            if (!closed) {
                closed = true;
                Native.close(id);
            }
        }
    }

    private final State state;
    private final Cleaner.Cleanable cleanable;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    NativeHandle(long id) {
        this.state = new State(id);
        this.cleanable = CLEANER.register(this, state);
    }

    /** Run {@code f} with the open handle id; IllegalStateException once closed. */
    // Every handle is a group or an array, and both carry attributes.

    /** The attributes as JSON object text. */
    public String attributesJson() {
        return call(Native::attributes);
    }

    /** The attributes (see {@link Json} for the Java types of the values). */
    public Map<String, Object> attributes() {
        return Json.parseObject(attributesJson());
    }

    /** Replace the attributes. */
    public void setAttributes(Map<String, ?> attributes) {
        setAttributesJson(Json.write(attributes));
    }

    /** Replace the attributes with a JSON object text. */
    public void setAttributesJson(String json) {
        run(h -> Native.setAttributes(h, json));
    }

    final <T> T call(LongFunction<T> f) {
        ReentrantReadWriteLock.ReadLock r = lock.readLock();
        r.lock();
        try {
            if (isClosedUnlocked()) {
                throw new IllegalStateException(getClass().getSimpleName() + " is closed");
            }
            return f.apply(state.id);
        } finally {
            r.unlock();
            // Keep this object (and so its handle) alive until the native call returned.
            java.lang.ref.Reference.reachabilityFence(this);
        }
    }

    final void run(java.util.function.LongConsumer f) {
        call(h -> {
            f.accept(h);
            return null;
        });
    }

    private boolean isClosedUnlocked() {
        synchronized (state) {
            return state.closed;
        }
    }

    /** Whether close() was called. */
    public final boolean isClosed() {
        return isClosedUnlocked();
    }

    /** Close the native handle, waiting for calls in flight; closing twice does nothing. */
    @Override
    public void close() {
        ReentrantReadWriteLock.WriteLock w = lock.writeLock();
        w.lock();
        try {
            cleanable.clean(); // runs State.run at most once
        } finally {
            w.unlock();
        }
    }
}
