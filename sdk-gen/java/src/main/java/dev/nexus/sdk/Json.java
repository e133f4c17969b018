package dev.nexus.sdk;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.ListValue;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * JSON in and out of the shapes the API uses: command payloads and document bodies are {@link
 * Struct}s, event data is JSON bytes. Numbers travel as doubles: keep integers within 2^53.
 */
public final class Json {
  private Json() {}

  /** A Struct from a JSON object text. */
  public static Struct struct(String json) {
    Struct.Builder builder = Struct.newBuilder();
    try {
      JsonFormat.parser().merge(json, builder);
    } catch (InvalidProtocolBufferException e) {
      throw new NexusException(Status.Code.INVALID_ARGUMENT, "not a JSON object: " + e.getMessage(), e);
    }
    return builder.build();
  }

  /** A Struct from JSON bytes, such as {@code RecordedEvent.getData()}. */
  public static Struct struct(ByteString json) {
    return struct(json.toStringUtf8());
  }

  /**
   * A Struct from a map of strings, numbers, booleans, nulls, maps and lists (or iterables)
   * thereof.
   */
  public static Struct struct(Map<String, ?> map) {
    Struct.Builder builder = Struct.newBuilder();
    map.forEach((key, value) -> builder.putFields(key, value(value)));
    return builder.build();
  }

  /** A Value from a Java value (see {@link #struct(Map)}). */
  public static Value value(Object value) {
    if (value == null) {
      return Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
    } else if (value instanceof Value v) {
      return v;
    } else if (value instanceof Struct s) {
      return Value.newBuilder().setStructValue(s).build();
    } else if (value instanceof String s) {
      return Value.newBuilder().setStringValue(s).build();
    } else if (value instanceof Boolean b) {
      return Value.newBuilder().setBoolValue(b).build();
    } else if (value instanceof Number n) {
      return Value.newBuilder().setNumberValue(n.doubleValue()).build();
    } else if (value instanceof Map<?, ?> m) {
      Struct.Builder builder = Struct.newBuilder();
      m.forEach((k, v) -> builder.putFields(String.valueOf(k), value(v)));
      return Value.newBuilder().setStructValue(builder).build();
    } else if (value instanceof Iterable<?> items) {
      ListValue.Builder list = ListValue.newBuilder();
      items.forEach(item -> list.addValues(value(item)));
      return Value.newBuilder().setListValue(list).build();
    }
    throw new IllegalArgumentException("cannot convert " + value.getClass().getName() + " to JSON");
  }

  /** Compact JSON text of a message (a Struct, or any API message in its JSON mapping). */
  public static String print(MessageOrBuilder message) {
    try {
      return JsonFormat.printer().omittingInsignificantWhitespace().print(message);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /**
   * Compact JSON text of a Struct, with integral numbers written as integers ({@code 50}, not
   * {@code 50.0}), as JSON Schema's and the server's integer fields expect.
   */
  public static String text(Struct struct) {
    StringBuilder out = new StringBuilder();
    write(Value.newBuilder().setStructValue(struct).build(), out);
    return out.toString();
  }

  /** JSON bytes of a map (see {@link #struct(Map)}), for {@code ProposedEvent.data}. */
  public static ByteString bytes(Map<String, ?> map) {
    return ByteString.copyFrom(text(struct(map)), StandardCharsets.UTF_8);
  }

  private static void write(Value value, StringBuilder out) {
    switch (value.getKindCase()) {
      case STRUCT_VALUE -> {
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, Value> field : value.getStructValue().getFieldsMap().entrySet()) {
          if (!first) {
            out.append(',');
          }
          first = false;
          quote(field.getKey(), out);
          out.append(':');
          write(field.getValue(), out);
        }
        out.append('}');
      }
      case LIST_VALUE -> {
        out.append('[');
        for (int i = 0; i < value.getListValue().getValuesCount(); i++) {
          if (i > 0) {
            out.append(',');
          }
          write(value.getListValue().getValues(i), out);
        }
        out.append(']');
      }
      case STRING_VALUE -> quote(value.getStringValue(), out);
      case BOOL_VALUE -> out.append(value.getBoolValue());
      case NUMBER_VALUE -> {
        double d = value.getNumberValue();
        if (Double.isNaN(d) || Double.isInfinite(d)) {
          throw new IllegalArgumentException("JSON has no " + d);
        }
        if (d == Math.rint(d) && Math.abs(d) < 9.007199254740992E15) {
          out.append((long) d);
        } else {
          out.append(d);
        }
      }
      default -> out.append("null");
    }
  }

  private static void quote(String s, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
