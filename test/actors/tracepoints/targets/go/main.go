// A Go program whose functions the dynamic-tracing tests probe. It calls each of them with
// values derived from the loop counter and prints every argument and result on stdout, one
// line per call ("call NAME key=value ..."), before and after the call, so that a test knows
// what a probe must have seen. Usage: gotarget ITERATIONS
package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
)

type Money struct {
	Units    int64
	Nanos    int32
	Currency string
}

type Checkout struct {
	Name  string
	Count int
}

type Flags struct {
	On    bool
	Small int8
	Mid   uint16
	Big   uint64
}

var errNegative = errors.New("negative total")

//go:noinline
func (c *Checkout) Sum(l, r Money) (Money, error) {
	c.Count++
	if l.Units+r.Units < 0 {
		return Money{}, errNegative
	}
	return Money{Units: l.Units + r.Units, Nanos: l.Nanos + r.Nanos, Currency: l.Currency}, nil
}

//go:noinline
func (c Checkout) Total(scale int) int {
	return c.Count * scale
}

//go:noinline
func Greet(name string, data []byte, n int) (string, int, bool) {
	return name + "!", len(data) + n, n%2 == 0
}

//go:noinline
func Grid(a [3]int64, b int, m *Money) int64 {
	return a[0] + a[1] + a[2] + int64(b) + m.Units
}

//go:noinline
func Many(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10 int, f Flags) int {
	if f.On {
		return a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + int(f.Small) + int(f.Mid)
	}
	return a10
}

//go:noinline
func Ratio(x float64, n int32) float64 {
	return x * float64(n)
}

func main() {
	iterations := 3
	if len(os.Args) > 1 {
		iterations, _ = strconv.Atoi(os.Args[1])
	}
	currencies := []string{"EUR", "USD", "CHF"}
	c := &Checkout{Name: "cart", Count: 0}
	for i := 0; i < iterations; i++ {
		l := Money{Units: int64(100 + i), Nanos: int32(7 * i), Currency: currencies[i%3]}
		r := Money{Units: int64(-20 - i), Nanos: int32(11), Currency: "ignored"}
		fmt.Printf("call Sum c.Name=%s c.Count=%d l.Units=%d l.Nanos=%d l.Currency=%s r.Units=%d r.Nanos=%d\n",
			c.Name, c.Count, l.Units, l.Nanos, l.Currency, r.Units, r.Nanos)
		s, err := c.Sum(l, r)
		fmt.Printf("ret Sum $0.Units=%d $0.Nanos=%d $0.Currency=%s err=%v\n", s.Units, s.Nanos, s.Currency, err)

		fmt.Printf("call Total c.Name=%s c.Count=%d scale=%d\n", c.Name, c.Count, i+2)
		t := (*c).Total(i + 2)
		fmt.Printf("ret Total $0=%d\n", t)

		name := fmt.Sprintf("user-%d", i)
		data := []byte(fmt.Sprintf("payload#%d", i*i))
		fmt.Printf("call Greet name=%s data=%s n=%d\n", name, data, i)
		g, k, even := Greet(name, data, i)
		fmt.Printf("ret Greet $0=%s $1=%d $2=%t\n", g, k, even)

		a := [3]int64{int64(i), int64(2 * i), int64(3 * i)}
		m := &Money{Units: int64(1000 + i), Nanos: 5, Currency: "JPY"}
		fmt.Printf("call Grid a=%d,%d,%d b=%d m.Units=%d m.Currency=%s\n", a[0], a[1], a[2], 40+i, m.Units, m.Currency)
		gr := Grid(a, 40+i, m)
		fmt.Printf("ret Grid $0=%d\n", gr)

		f := Flags{On: i%2 == 1, Small: int8(-3 - i), Mid: uint16(60000 + i), Big: uint64(1)<<63 + uint64(i)}
		fmt.Printf("call Many a1=%d a9=%d a10=%d f.On=%t f.Small=%d f.Mid=%d f.Big=%d\n", i+1, i+9, i+10, f.On, f.Small, f.Mid, f.Big)
		mn := Many(i+1, i+2, i+3, i+4, i+5, i+6, i+7, i+8, i+9, i+10, f)
		fmt.Printf("ret Many $0=%d\n", mn)

		fmt.Printf("call Ratio n=%d\n", i+1)
		rt := Ratio(float64(i)+0.5, int32(i+1))
		fmt.Printf("ret Ratio $0=%g\n", rt)
	}
}
