// A Rust program whose functions the dynamic-tracing tests probe. Each call's arguments and
// results are printed on stdout ("call NAME key=value ...", "ret NAME ...") around the call, so
// that a test knows what a probe must have seen. Usage: rust_target ITERATIONS
use std::io::Write;

pub struct Point {
    pub x: i64,
    pub y: i32,
}

#[inline(never)]
pub fn rs_add(a: i64, b: i32, flag: bool) -> i64 {
    if flag {
        a + b as i64
    } else {
        a - b as i64
    }
}

#[inline(never)]
pub fn rs_point(p: &Point, name: &str, scale: u16) -> i64 {
    (p.x + p.y as i64) * scale as i64 + name.len() as i64
}

fn main() {
    let iterations: i64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(3);
    let names = ["north", "south-east", "w"];
    let mut out = std::io::stdout();
    for i in 0..iterations {
        let (a, b, flag) = (-40 - i, 7 + i as i32, i % 2 == 0);
        writeln!(out, "call rs_add a={} b={} flag={}", a, b, flag).unwrap();
        out.flush().unwrap();
        let r = rs_add(std::hint::black_box(a), std::hint::black_box(b), std::hint::black_box(flag));
        writeln!(out, "ret rs_add $0={}", r).unwrap();

        let p = Point { x: 1000 + i, y: -(i as i32) - 1 };
        let name = names[(i % 3) as usize];
        writeln!(out, "call rs_point p.x={} p.y={} name={} scale={}", p.x, p.y, name, 3 + i).unwrap();
        out.flush().unwrap();
        let r = rs_point(std::hint::black_box(&p), std::hint::black_box(name), std::hint::black_box(3 + i as u16));
        writeln!(out, "ret rs_point $0={}", r).unwrap();
        out.flush().unwrap();
    }
}
