package dev.atelier;

import dev.atelier.platform.auth.UserAdmin;
import java.io.PrintStream;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * {@code atelier admin <create-user|list-users|make-admin|reset-password>}: user administration on
 * the owner's connection, without a server (with the embedded database the server must be stopped;
 * a running one answers GoTrue's /auth/v1/admin/users with the service role key).
 */
final class AdminCommand {

    static final String USAGE = """
              admin create-user EMAIL [--password P]
                         create a confirmed user (without --password, one is generated and printed)
              admin list-users [--page N] [--per-page N]
                         list users, oldest first: id, e-mail, created, last sign-in, banned until
              admin make-admin EMAIL|ID --app APP [--revoke]
                         make the user an admin of algorhythmic, rotation, moodscale or delula (in the
                         column that app's is_admin() reads); --revoke makes them a plain user again
              admin reset-password EMAIL|ID [--password P]
                         set a new password (generated and printed without --password) and end every
                         session of the user
            """;

    private static final List<String> COMMANDS = List.of("create-user", "list-users", "make-admin", "reset-password");

    private AdminCommand() {}

    /** {@code settings} parses the options left once the command's own are taken out. */
    static int run(List<String> args, Function<List<String>, Settings> settings, PrintStream out, PrintStream err) {
        if (args.isEmpty() || !COMMANDS.contains(args.get(0))) {
            err.println("atelier: admin needs a subcommand: " + String.join(", ", COMMANDS));
            err.print(USAGE);
            return 2;
        }
        String command = args.get(0);
        List<String> rest = new ArrayList<>(args.subList(1, args.size()));
        try {
            String password = take(rest, "--password");
            String app = take(rest, "--app");
            String page = take(rest, "--page");
            String perPage = take(rest, "--per-page");
            boolean revoke = rest.remove("--revoke");
            String user = command.equals("list-users") ? null : positional(rest, command);
            if (command.equals("make-admin")) {
                if (app == null) {
                    throw new IllegalArgumentException(
                            "make-admin needs --app (one of " + String.join(", ", UserAdmin.APP_NAMES) + ")");
                }
                UserAdmin.requireAdminApp(app);
            }
            Settings parsed = settings.apply(rest);
            return Server.withOwnerConnection(parsed, owner -> {
                UserAdmin admin = UserAdmin.on(owner);
                switch (command) {
                    case "create-user" -> {
                        String chosen = password == null ? generated() : password;
                        UUID id = admin.createUser(required(user), chosen);
                        out.println("created " + id + " " + user);
                        if (password == null) {
                            out.println("password: " + chosen);
                        }
                    }
                    case "list-users" -> {
                        List<UserAdmin.Listed> users =
                                admin.list(number("--page", page, 1), number("--per-page", perPage, 50));
                        for (UserAdmin.Listed u : users) {
                            out.println(u.id() + "\t" + (u.email() == null ? "(anonymous)" : u.email()) + "\t"
                                    + u.createdAt().toInstant() + "\t"
                                    + (u.lastSignInAt() == null
                                            ? "-"
                                            : u.lastSignInAt().toInstant()) + "\t"
                                    + (u.bannedUntil() == null
                                            ? "-"
                                            : "banned until " + u.bannedUntil().toInstant()));
                        }
                        out.println("total: " + admin.count());
                    }
                    case "make-admin" -> {
                        if (app == null) {
                            throw new IllegalArgumentException(
                                    "make-admin needs --app (one of " + String.join(", ", UserAdmin.APP_NAMES) + ")");
                        }
                        UUID id = admin.makeAdmin(app, required(user), !revoke);
                        out.println((revoke ? "no longer an admin of " : "now an admin of ") + app + ": " + id);
                    }
                    default -> {
                        String chosen = password == null ? generated() : password;
                        UUID id = admin.resetPassword(required(user), chosen);
                        out.println("password reset for " + id + "; every session of the user ended");
                        if (password == null) {
                            out.println("password: " + chosen);
                        }
                    }
                }
                return 0;
            });
        } catch (IllegalArgumentException | IllegalStateException e) {
            err.println("atelier: " + e.getMessage());
            return 1;
        } catch (org.jooq.exception.DataAccessException e) {
            err.println("atelier: the database refused: " + e.getMessage());
            return 1;
        }
    }

    private static @Nullable String take(List<String> args, String option) {
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.startsWith(option + "=")) {
                args.remove(i);
                return arg.substring(option.length() + 1);
            }
            if (arg.equals(option)) {
                if (i + 1 >= args.size()) {
                    throw new IllegalArgumentException("option " + option + " needs a value");
                }
                args.remove(i);
                return args.remove(i);
            }
        }
        return null;
    }

    private static String positional(List<String> args, String command) {
        for (int i = 0; i < args.size(); i++) {
            if (!args.get(i).startsWith("-") && (i == 0 || !args.get(i - 1).startsWith("--"))) {
                return args.remove(i);
            }
        }
        throw new IllegalArgumentException("admin " + command + " needs the user's e-mail address (or id)");
    }

    private static String required(@Nullable String value) {
        if (value == null) {
            throw new IllegalArgumentException("the user's e-mail address (or id) is missing");
        }
        return value;
    }

    private static int number(String option, @Nullable String value, int fallback) {
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be a number, not '" + value + "'");
        }
    }

    private static String generated() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
