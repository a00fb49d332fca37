//! What a command will do to AWS, printed before it does it (as
//! `terraform plan` does), so a person sees creations and deletions first.
//! Each step may carry the operation that applies it (`Op`, one enum per
//! command), so a plan is worked out by a pure function from what exists and
//! then executed in order.

use std::fmt;

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
pub struct Step<Op = ()> {
    pub action: Action,
    pub resource: &'static str,
    pub name: String,
    pub detail: String,
    /// What applying this step does; `None` for a row that is only shown
    /// (a resource kept as it is, or absent).
    pub op: Option<Op>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan<Op = ()> {
    pub steps: Vec<Step<Op>>,
    /// Things a person should know that change nothing.
    pub notes: Vec<String>,
}

impl<Op> Default for Plan<Op> {
    fn default() -> Self {
        Plan {
            steps: Vec::new(),
            notes: Vec::new(),
        }
    }
}

impl<Op> Plan<Op> {
    /// A row that is shown and does nothing when applied.
    pub fn add(
        &mut self,
        action: Action,
        resource: &'static str,
        name: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.push(action, resource, name.into(), detail.into(), None);
    }

    /// A row whose `op` runs when the plan is applied.
    pub fn add_op(
        &mut self,
        action: Action,
        resource: &'static str,
        name: impl Into<String>,
        detail: impl Into<String>,
        op: Op,
    ) {
        self.push(action, resource, name.into(), detail.into(), Some(op));
    }

    fn push(
        &mut self,
        action: Action,
        resource: &'static str,
        name: String,
        detail: String,
        op: Option<Op>,
    ) {
        self.steps.push(Step {
            action,
            resource,
            name,
            detail,
            op,
        });
    }

    /// The operations to run, in order.
    pub fn ops(&self) -> impl Iterator<Item = &Op> {
        self.steps.iter().filter_map(|s| s.op.as_ref())
    }

    /// The step for `resource`, if the plan has one.
    #[cfg(test)]
    pub fn step(&self, resource: &str) -> Option<&Step<Op>> {
        self.steps.iter().find(|s| s.resource == resource)
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

    /// The steps as table rows (action, resource, name, detail), as a
    /// front end prints them before applying, with the `notes` and the
    /// [`Plan::summary`] below.
    pub fn rows(&self) -> Vec<Vec<String>> {
        self.steps
            .iter()
            .map(|s| {
                vec![
                    s.action.to_string(),
                    s.resource.to_owned(),
                    s.name.clone(),
                    s.detail.clone(),
                ]
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_changes() {
        let mut plan = Plan::<()>::default();
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
        assert_eq!(plan.ops().count(), 0);
        plan.add_op(Action::Delete, "role", "r", "", ());
        assert_eq!(plan.ops().count(), 1);
        assert_eq!(plan.step("cluster").map(|s| s.action), Some(Action::Create));
    }
}
