// Target of tracepoint_e2e_test: a Go service that calls its functions in a loop with values the
// test can check (each return value follows from the arguments), until it is killed.
package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"
)

type Money struct {
	Currency string
	Units    int64
	Nanos    int32
}

type Checkout struct {
	Name  string
	Count int
}

//go:noinline
func (c *Checkout) Sum(l, r Money) (Money, error) {
	c.Count++
	if l.Currency != r.Currency {
		return Money{}, errors.New("currency mismatch")
	}
	return Money{Currency: l.Currency, Units: l.Units + r.Units, Nanos: l.Nanos + r.Nanos}, nil
}

// Login sleeps for delay: its latency is known.
//
//go:noinline
func Login(user string, delay time.Duration) bool {
	time.Sleep(delay)
	return len(user) > 3
}

func main() {
	period, _ := strconv.Atoi(os.Args[1]) // milliseconds between rounds
	c := &Checkout{Name: "cart"}
	currencies := []string{"EUR", "USD", "CHF"}
	for i := 0; ; i++ {
		cur := currencies[i%3]
		l := Money{Currency: cur, Units: int64(i), Nanos: 1}
		r := Money{Currency: cur, Units: int64(2 * i), Nanos: 2}
		if _, err := c.Sum(l, r); err != nil {
			fmt.Println(err)
		}
		Login(fmt.Sprintf("user-%d", i), 30*time.Millisecond)
		time.Sleep(time.Duration(period) * time.Millisecond)
	}
}
