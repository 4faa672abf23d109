#!/bin/bash
# One line per thread of PID: tid, name, CPU ticks (utime+stime), voluntary and involuntary context switches.
pid=$1
for t in /proc/$pid/task/*; do
  name=$(tr " " "_" < "$t/comm")
  ticks=$(sed 's/.*) //' "$t/stat" | awk '{print $12+$13}')
  v=$(awk '/^voluntary/{print $2}' "$t/status"); n=$(awk '/^nonvoluntary/{print $2}' "$t/status")
  echo "$(basename "$t") $name $ticks $v $n"
done
