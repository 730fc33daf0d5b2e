/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/sansio-64a588c60b66749d.d: /work/main/sansio/src/lib.rs /work/main/sansio/src/demux.rs /work/main/sansio/src/entropy.rs /work/main/sansio/src/machine.rs /work/main/sansio/src/queue.rs /work/main/sansio/src/time.rs /work/main/sansio/src/timers.rs /work/main/sansio/src/transmit.rs /work/main/sansio/src/txqueue.rs

/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/libsansio-64a588c60b66749d.rlib: /work/main/sansio/src/lib.rs /work/main/sansio/src/demux.rs /work/main/sansio/src/entropy.rs /work/main/sansio/src/machine.rs /work/main/sansio/src/queue.rs /work/main/sansio/src/time.rs /work/main/sansio/src/timers.rs /work/main/sansio/src/transmit.rs /work/main/sansio/src/txqueue.rs

/work/main/examples/firmware/target/thumbv7em-none-eabihf/release/deps/libsansio-64a588c60b66749d.rmeta: /work/main/sansio/src/lib.rs /work/main/sansio/src/demux.rs /work/main/sansio/src/entropy.rs /work/main/sansio/src/machine.rs /work/main/sansio/src/queue.rs /work/main/sansio/src/time.rs /work/main/sansio/src/timers.rs /work/main/sansio/src/transmit.rs /work/main/sansio/src/txqueue.rs

/work/main/sansio/src/lib.rs:
/work/main/sansio/src/demux.rs:
/work/main/sansio/src/entropy.rs:
/work/main/sansio/src/machine.rs:
/work/main/sansio/src/queue.rs:
/work/main/sansio/src/time.rs:
/work/main/sansio/src/timers.rs:
/work/main/sansio/src/transmit.rs:
/work/main/sansio/src/txqueue.rs:
