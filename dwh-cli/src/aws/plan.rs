//! What a command will do to AWS, printed before it does it (as
//! `terraform plan` does), so a person sees creations and deletions first.

use std::fmt;

use crate::ui;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    /// Exists already: used as it is.
    Adopt,
    Update,
    Delete,
    /// Nothing to do (already in the wanted state, or absent when deleting).
    Keep,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Create => "+ create",
            Action::Adopt => "= adopt",
            Action::Update => "~ update",
            Action::Delete => "- delete",
            Action::Keep => "  keep",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub action: Action,
    pub resource: &'static str,
    pub name: String,
    pub detail: String,
}

#[derive(Debug, Default, Clone)]
pub struct Plan {
    pub steps: Vec<Step>,
    /// Things a person should know that change nothing.
    pub notes: Vec<String>,
}

impl Plan {
    pub fn add(
        &mut self,
        action: Action,
        resource: &'static str,
        name: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.steps.push(Step {
            action,
            resource,
            name: name.into(),
            detail: detail.into(),
        });
    }

    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    pub fn count(&self, action: Action) -> usize {
        self.steps.iter().filter(|s| s.action == action).count()
    }

    /// Whether applying changes anything.
    pub fn changes(&self) -> bool {
        self.steps
            .iter()
            .any(|s| matches!(s.action, Action::Create | Action::Update | Action::Delete))
    }

    pub fn summary(&self) -> String {
        format!(
            "{} to create, {} to update, {} to delete, {} adopted",
            self.count(Action::Create),
            self.count(Action::Update),
            self.count(Action::Delete),
            self.count(Action::Adopt)
        )
    }

    pub fn print(&self, title: &str) {
        println!("{title}");
        let rows = self
            .steps
            .iter()
            .map(|s| {
                vec![
                    s.action.to_string(),
                    s.resource.to_owned(),
                    s.name.clone(),
                    s.detail.clone(),
                ]
            })
            .collect();
        println!(
            "{}",
            ui::table(&["action", "resource", "name", "detail"], rows)
        );
        for note in &self.notes {
            println!("note: {note}");
        }
        println!("plan: {}", self.summary());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_changes() {
        let mut plan = Plan::default();
        plan.add(Action::Adopt, "IAM role", "r", "");
        plan.add(Action::Keep, "ingress", "x", "");
        assert!(!plan.changes());
        plan.add(Action::Create, "cluster", "c", "");
        assert!(plan.changes());
        assert_eq!(
            plan.summary(),
            "1 to create, 0 to update, 0 to delete, 1 adopted"
        );
        assert_eq!(Action::Delete.to_string(), "- delete");
    }
}
