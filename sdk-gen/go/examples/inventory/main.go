// Command inventory is a remote command handler for the aggregate type
// "inventory-item" (the Go twin of examples/inventory/handler.py):
// AddStock, Reserve and Release produce StockAdded, StockReserved and
// ReservationReleased.
//
//	go build -o inventory ./examples/inventory
//	./inventory --server 127.0.0.1:50051 --name inventory-1
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"example.invalid/nexus-go/nexus"
)

// Item is the state of an inventory item.
type Item struct {
	Available    int64
	Reservations map[string]int64 // open reservations: id -> quantity
	Released     map[string]bool
}

// Handler is the inventory-item handler.
func Handler() *nexus.Handler[*Item] {
	return &nexus.Handler[*Item]{
		AggregateType: "inventory-item",
		EventTypes:    []string{"StockAdded", "StockReserved", "ReservationReleased"},
		Initial: func() *Item {
			return &Item{Reservations: map[string]int64{}, Released: map[string]bool{}}
		},
		Evolve: evolve,
		Commands: map[string]nexus.DecideFunc[*Item]{
			"AddStock": addStock,
			"Reserve":  reserve,
			"Release":  release,
		},
	}
}

func evolve(s *Item, eventType string, data map[string]any) *Item {
	s.Available, _ = nexus.IntField(data, "available")
	rid, _ := nexus.StringField(data, "reservation_id")
	switch eventType {
	case "StockReserved":
		s.Reservations[rid], _ = nexus.IntField(data, "quantity")
	case "ReservationReleased":
		delete(s.Reservations, rid)
		s.Released[rid] = true
	}
	return s
}

func positive(cmd nexus.Command) (int64, error) {
	q, ok := nexus.IntField(cmd.Payload, "quantity")
	if !ok || q <= 0 {
		return 0, nexus.Reject("INVALID_QUANTITY", "quantity must be a positive whole number")
	}
	return q, nil
}

func reservationID(cmd nexus.Command) (string, error) {
	rid, ok := nexus.StringField(cmd.Payload, "reservation_id")
	if !ok || rid == "" {
		return "", nexus.Reject("INVALID_RESERVATION_ID", "reservation_id must be a non-empty string")
	}
	return rid, nil
}

func addStock(s *Item, cmd nexus.Command) ([]nexus.Event, error) {
	q, err := positive(cmd)
	if err != nil {
		return nil, err
	}
	return []nexus.Event{{Type: "StockAdded", Data: map[string]any{"quantity": q, "available": s.Available + q}}}, nil
}

func reserve(s *Item, cmd nexus.Command) ([]nexus.Event, error) {
	rid, err := reservationID(cmd)
	if err != nil {
		return nil, err
	}
	q, err := positive(cmd)
	if err != nil {
		return nil, err
	}
	if _, open := s.Reservations[rid]; open || s.Released[rid] {
		return nil, nil // already reserved under this id: nothing happens again
	}
	if q > s.Available {
		return nil, nexus.Reject("INSUFFICIENT_STOCK", fmt.Sprintf("cannot reserve %d: %d available", q, s.Available),
			"available", s.Available, "requested", q)
	}
	return []nexus.Event{{Type: "StockReserved", Data: map[string]any{
		"reservation_id": rid, "quantity": q, "available": s.Available - q,
	}}}, nil
}

func release(s *Item, cmd nexus.Command) ([]nexus.Event, error) {
	rid, err := reservationID(cmd)
	if err != nil {
		return nil, err
	}
	if s.Released[rid] {
		return nil, nil // already released
	}
	q, open := s.Reservations[rid]
	if !open {
		return nil, nexus.Reject("RESERVATION_NOT_FOUND", fmt.Sprintf("no reservation '%s'", rid), "reservation_id", rid)
	}
	return []nexus.Event{{Type: "ReservationReleased", Data: map[string]any{
		"reservation_id": rid, "quantity": q, "available": s.Available + q,
	}}}, nil
}

func main() {
	server := flag.String("server", "127.0.0.1:50051", "Nexus address, host:port")
	name := flag.String("name", "", "instance name for logs")
	token := flag.String("token", "", "bearer token (HandlerService.Serve needs admin)")
	maxInFlight := flag.Int("max-in-flight", 16, "requests decided at once")
	verbose := flag.Bool("v", false, "log every decided request")
	flag.Parse()

	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	label := *name
	if label == "" {
		label = "inventory"
	}
	log := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{Level: level})).With("instance", label)

	client, err := nexus.Connect(*server, nexus.Options{Token: *token})
	if err != nil {
		log.Error("connect", "error", err)
		os.Exit(1)
	}
	defer client.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := Handler().Run(ctx, client, nexus.HandlerOptions{Name: *name, MaxInFlight: *maxInFlight, Logger: log}); err != nil {
		log.Error("handler stopped", "error", err)
		os.Exit(1)
	}
}
