//! The example domain: bank accounts.
//!
//! Money is in minor units (cents) as integers. An account is opened once,
//! takes deposits and withdrawals while open, never goes below zero, and can
//! be closed once its balance is zero.

use serde::{Deserialize, Serialize};

use crate::core::{aggregate::Aggregate, error::DomainError};

/// Largest amount one command may move, in minor units.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000;

/// The `account` aggregate.
pub struct Account;

/// An account's state: the fold of its events.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum AccountState {
    #[default]
    NotOpened,
    Open {
        owner: String,
        currency: String,
        balance: i64,
    },
    Closed {
        owner: String,
        currency: String,
    },
}

/// Commands of an account. Payload fields are checked strictly: an unknown
/// field is an error, not something silently ignored.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "command_type", content = "payload")]
pub enum AccountCommand {
    OpenAccount(OpenAccount),
    DepositMoney(Amount),
    WithdrawMoney(Amount),
    CloseAccount(CloseAccount),
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenAccount {
    pub owner: String,
    /// ISO 4217 code; EUR when absent.
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub initial_deposit: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Amount {
    /// Minor units (cents).
    pub amount: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloseAccount {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum AccountEvent {
    AccountOpened { owner: String, currency: String, initial_deposit: i64 },
    MoneyDeposited { amount: i64, balance: i64 },
    MoneyWithdrawn { amount: i64, balance: i64 },
    AccountClosed {},
}

impl Aggregate for Account {
    const TYPE: &'static str = "account";
    const COMMAND_TYPES: &'static [&'static str] = &["OpenAccount", "DepositMoney", "WithdrawMoney", "CloseAccount"];
    const EVENT_TYPES: &'static [&'static str] =
        &["AccountOpened", "MoneyDeposited", "MoneyWithdrawn", "AccountClosed"];
    type State = AccountState;
    type Command = AccountCommand;
    type Event = AccountEvent;

    fn decide(state: &AccountState, command: AccountCommand) -> Result<Vec<AccountEvent>, DomainError> {
        use AccountCommand::*;
        use AccountEvent::*;
        match command {
            OpenAccount(self::OpenAccount { owner, currency, initial_deposit }) => {
                let owner = owner.trim().to_string();
                let currency = currency.unwrap_or_else(|| "EUR".into());
                let mut violations = Vec::new();
                if owner.is_empty() || owner.chars().count() > 200 {
                    violations.push(("payload.owner", "must be 1 to 200 characters"));
                }
                if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
                    violations.push(("payload.currency", "must be a 3-letter ISO 4217 code such as EUR"));
                }
                if !(0..=MAX_AMOUNT).contains(&initial_deposit) {
                    violations.push(("payload.initial_deposit", "must be between 0 and 10^12 minor units"));
                }
                if !violations.is_empty() {
                    return Err(DomainError::Invalid(
                        violations.into_iter().map(|(f, d)| crate::core::error::FieldViolation::new(f, d)).collect(),
                    ));
                }
                if *state != AccountState::NotOpened {
                    return Err(DomainError::rejected("ACCOUNT_ALREADY_OPEN", "the account was already opened"));
                }
                Ok(vec![AccountOpened { owner, currency, initial_deposit }])
            }
            DepositMoney(Amount { amount }) => {
                check_amount(amount)?;
                let balance = open_balance(state)?;
                let balance = balance
                    .checked_add(amount)
                    .ok_or_else(|| DomainError::rejected("BALANCE_LIMIT_EXCEEDED", "the balance would overflow"))?;
                Ok(vec![MoneyDeposited { amount, balance }])
            }
            WithdrawMoney(Amount { amount }) => {
                check_amount(amount)?;
                let balance = open_balance(state)?;
                if amount > balance {
                    return Err(DomainError::rejected(
                        "INSUFFICIENT_FUNDS",
                        format!("cannot withdraw {amount}: the balance is {balance}"),
                    )
                    .with("balance", balance)
                    .with("amount", amount));
                }
                Ok(vec![MoneyWithdrawn { amount, balance: balance - amount }])
            }
            CloseAccount(_) => {
                let balance = open_balance(state)?;
                if balance != 0 {
                    return Err(DomainError::rejected(
                        "ACCOUNT_BALANCE_NOT_ZERO",
                        format!("the balance is {balance}: withdraw it before closing"),
                    )
                    .with("balance", balance));
                }
                Ok(vec![AccountClosed {}])
            }
        }
    }

    fn evolve(state: &mut AccountState, event: AccountEvent) {
        use AccountEvent::*;
        *state = match (std::mem::take(state), event) {
            (_, AccountOpened { owner, currency, initial_deposit }) => {
                AccountState::Open { owner, currency, balance: initial_deposit }
            }
            (
                AccountState::Open { owner, currency, .. },
                MoneyDeposited { balance, .. } | MoneyWithdrawn { balance, .. },
            ) => AccountState::Open { owner, currency, balance },
            (AccountState::Open { owner, currency, .. }, AccountClosed {}) => AccountState::Closed { owner, currency },
            // Events that do not fit the state leave it as it is.
            (state, _) => state,
        }
    }
}

fn check_amount(amount: i64) -> Result<(), DomainError> {
    if amount <= 0 || amount > MAX_AMOUNT {
        return Err(DomainError::invalid("payload.amount", "must be a positive integer of at most 10^12 minor units"));
    }
    Ok(())
}

fn open_balance(state: &AccountState) -> Result<i64, DomainError> {
    match state {
        AccountState::Open { balance, .. } => Ok(*balance),
        AccountState::NotOpened => Err(DomainError::rejected("ACCOUNT_NOT_FOUND", "the account has not been opened")),
        AccountState::Closed { .. } => Err(DomainError::rejected("ACCOUNT_CLOSED", "the account is closed")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(history: &[AccountEvent], command: AccountCommand) -> Result<Vec<AccountEvent>, DomainError> {
        let mut state = AccountState::default();
        for event in history {
            Account::evolve(&mut state, event.clone());
        }
        Account::decide(&state, command)
    }

    fn opened() -> AccountEvent {
        AccountEvent::AccountOpened { owner: "Alice".into(), currency: "EUR".into(), initial_deposit: 100 }
    }

    fn reason(result: Result<Vec<AccountEvent>, DomainError>) -> &'static str {
        match result {
            Err(DomainError::Rejected { reason, .. }) => reason,
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    #[test]
    fn balances_follow_deposits_and_withdrawals() {
        let history = [opened(), AccountEvent::MoneyDeposited { amount: 50, balance: 150 }];
        assert_eq!(
            run(&history, AccountCommand::WithdrawMoney(Amount { amount: 120 })),
            Ok(vec![AccountEvent::MoneyWithdrawn { amount: 120, balance: 30 }])
        );
        assert_eq!(reason(run(&history, AccountCommand::WithdrawMoney(Amount { amount: 151 }))), "INSUFFICIENT_FUNDS");
    }

    #[test]
    fn lifecycle_rules_hold() {
        assert_eq!(reason(run(&[], AccountCommand::DepositMoney(Amount { amount: 1 }))), "ACCOUNT_NOT_FOUND");
        assert_eq!(
            reason(run(
                &[opened()],
                AccountCommand::OpenAccount(OpenAccount { owner: "B".into(), currency: None, initial_deposit: 0 })
            )),
            "ACCOUNT_ALREADY_OPEN"
        );
        assert_eq!(reason(run(&[opened()], AccountCommand::CloseAccount(CloseAccount {}))), "ACCOUNT_BALANCE_NOT_ZERO");
        let emptied =
            [opened(), AccountEvent::MoneyWithdrawn { amount: 100, balance: 0 }, AccountEvent::AccountClosed {}];
        assert_eq!(reason(run(&emptied, AccountCommand::DepositMoney(Amount { amount: 5 }))), "ACCOUNT_CLOSED");
    }

    #[test]
    fn malformed_amounts_are_invalid_not_rejected() {
        assert!(matches!(
            run(&[opened()], AccountCommand::DepositMoney(Amount { amount: 0 })),
            Err(DomainError::Invalid(_))
        ));
        assert!(matches!(
            run(&[opened()], AccountCommand::WithdrawMoney(Amount { amount: -5 })),
            Err(DomainError::Invalid(_))
        ));
    }
}
