;; The similarity-profile scan (see ../profile.ts) with 128-bit SIMD: up to four 32-bit words of
;; packed candidates advance together through each pool entry's tokens. Per entry and lane the
;; F-measure is read from the lane's score table, added to its sum (in entry order), compared
;; with its maximum and, if it beats the lane's k-th best, inserted into its top list (highest
;; first, earlier entries first among ties) — the very steps of the JavaScript scan.
;;
;; Memory (offsets chosen by the JavaScript side):
;;   keep: v128 at $keep (per word: ~guard bits)
;;   masks: v128 per token id at $masks + 16·id (bit i of word w: the word's candidate bit i matches)
;;   pool: i32 seq at $seq, i32 start at $start, i32 length at $len
;;   lanes: $lanes + 64·l: word i32 @0, offset i32 @4, low i32 @8, table i32 @12,
;;          sum f64 @16, max f64 @24, kth f64 @32, count i32 @40, top i32 @44
;;   a lane's top list: i32 entries at top, f64 scores at top + 64 (16 slots)
;;   scratch: 16 bytes at $scratch
(module
  (memory (export "memory") 1)
  (func (export "scan")
    (param $from i32) (param $to i32) (param $nLanes i32) (param $topK i32)
    (param $keep i32) (param $masks i32) (param $seq i32) (param $start i32) (param $len i32)
    (param $lanes i32) (param $scratch i32) (param $tl i32)
    (local $e i32) (local $j i32) (local $end i32) (local $n i32)
    (local $v v128) (local $u v128) (local $k v128)
    (local $l i32) (local $d i32) (local $zeros i32) (local $score f64)
    (local $top i32) (local $count i32) (local $at i32) (local $i i32)
    (local.set $k (v128.load (local.get $keep)))
    (local.set $e (local.get $from))
    (block $done
      (loop $entries
        (br_if $done (i32.ge_u (local.get $e) (local.get $to)))
        (local.set $n (i32.load (i32.add (local.get $len) (i32.shl (local.get $e) (i32.const 2)))))
        (local.set $j (i32.load (i32.add (local.get $start) (i32.shl (local.get $e) (i32.const 2)))))
        (local.set $end (i32.add (local.get $j) (local.get $n)))
        (local.set $v (local.get $k))
        (block $tokensDone
          (loop $tokens
            (br_if $tokensDone (i32.ge_u (local.get $j) (local.get $end)))
            (local.set $u
              (v128.and (local.get $v)
                (v128.load (i32.add (local.get $masks)
                  (i32.shl (i32.load (i32.add (local.get $seq) (i32.shl (local.get $j) (i32.const 2)))) (i32.const 4))))))
            (local.set $v
              (v128.and
                (v128.or (i32x4.add (local.get $v) (local.get $u)) (v128.andnot (local.get $v) (local.get $u)))
                (local.get $k)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $tokens)))
        (v128.store (local.get $scratch) (local.get $v))
        (local.set $l (i32.const 0))
        (block $lanesDone
          (loop $eachLane
            (br_if $lanesDone (i32.ge_u (local.get $l) (local.get $nLanes)))
            (local.set $d (i32.add (local.get $lanes) (i32.shl (local.get $l) (i32.const 6))))
            ;; zeros = popcnt((word >>> offset) & low): the candidate's tokens not in the LCS
            (local.set $zeros
              (i32.popcnt
                (i32.and
                  (i32.shr_u
                    (i32.load (i32.add (local.get $scratch) (i32.shl (i32.load (local.get $d)) (i32.const 2))))
                    (i32.load offset=4 (local.get $d)))
                  (i32.load offset=8 (local.get $d)))))
            (local.set $score
              (f64.load
                (i32.add (i32.load offset=12 (local.get $d))
                  (i32.shl (i32.add (i32.mul (local.get $zeros) (local.get $tl)) (local.get $n)) (i32.const 3)))))
            (f64.store offset=16 (local.get $d) (f64.add (f64.load offset=16 (local.get $d)) (local.get $score)))
            (if (f64.gt (local.get $score) (f64.load offset=24 (local.get $d)))
              (then (f64.store offset=24 (local.get $d) (local.get $score))))
            (if (f64.gt (local.get $score) (f64.load offset=32 (local.get $d)))
              (then
                ;; consider(): insert after equal scores, drop the last when full
                (local.set $top (i32.load offset=44 (local.get $d)))
                (local.set $count (i32.load offset=40 (local.get $d)))
                (local.set $at (local.get $count))
                (block $found
                  (loop $up
                    (br_if $found (i32.eqz (local.get $at)))
                    (br_if $found
                      (i32.eqz (f64.lt
                        (f64.load offset=64 (i32.add (local.get $top) (i32.shl (i32.sub (local.get $at) (i32.const 1)) (i32.const 3))))
                        (local.get $score))))
                    (local.set $at (i32.sub (local.get $at) (i32.const 1)))
                    (br $up)))
                ;; shift [at, count) one place down the list, the last falling off when full
                (local.set $i (if (result i32) (i32.lt_u (local.get $count) (local.get $topK))
                  (then (local.get $count)) (else (i32.sub (local.get $count) (i32.const 1)))))
                (block $shifted
                  (loop $shift
                    (br_if $shifted (i32.le_s (local.get $i) (local.get $at)))
                    (i32.store (i32.add (local.get $top) (i32.shl (local.get $i) (i32.const 2)))
                      (i32.load (i32.add (local.get $top) (i32.shl (i32.sub (local.get $i) (i32.const 1)) (i32.const 2)))))
                    (f64.store offset=64 (i32.add (local.get $top) (i32.shl (local.get $i) (i32.const 3)))
                      (f64.load offset=64 (i32.add (local.get $top) (i32.shl (i32.sub (local.get $i) (i32.const 1)) (i32.const 3)))))
                    (local.set $i (i32.sub (local.get $i) (i32.const 1)))
                    (br $shift)))
                (i32.store (i32.add (local.get $top) (i32.shl (local.get $at) (i32.const 2))) (local.get $e))
                (f64.store offset=64 (i32.add (local.get $top) (i32.shl (local.get $at) (i32.const 3))) (local.get $score))
                (if (i32.lt_u (local.get $count) (local.get $topK))
                  (then (local.set $count (i32.add (local.get $count) (i32.const 1)))))
                (i32.store offset=40 (local.get $d) (local.get $count))
                (if (i32.eq (local.get $count) (local.get $topK))
                  (then (f64.store offset=32 (local.get $d)
                    (f64.load offset=64 (i32.add (local.get $top) (i32.shl (i32.sub (local.get $topK) (i32.const 1)) (i32.const 3)))))))))
            (local.set $l (i32.add (local.get $l) (i32.const 1)))
            (br $eachLane)))
        (local.set $e (i32.add (local.get $e) (i32.const 1)))
        (br $entries)))))
