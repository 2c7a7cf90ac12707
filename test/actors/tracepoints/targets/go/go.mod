module wisp/gotarget

go 1.19
